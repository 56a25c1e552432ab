"""Settings for Guanjia, read from the environment.

The defaults are the embedded set-up: SQLite under ``var/``, Huey on SQLite, no servers.
Production sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and leaves
DEBUG off; see docs/deploy.md.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_str(name: str, default: str = "") -> str:
    """A variable as written. systemd's EnvironmentFile= keeps an end-of-line "# comment" as part of
    the value (a shell drops it), so such a value is refused here, naming the variable, instead of
    becoming a corrupted URL or path."""
    value = os.environ.get(name, default)
    if " #" in value or "\t#" in value:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{name}={value!r} carries an end-of-line comment; put comments on their own line "
            "(systemd keeps them as part of the value)."
        )
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name, str(default)).strip().lower()
    if value not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}={value!r} is not one of 1/0, true/false, yes/no, on/off.")
    return value in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("GUANJIA_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# A development key is acceptable only while DEBUG is on; production must set SECRET_KEY.
TESTING = env_bool("GUANJIA_TESTING", False)
SECRET_KEY = env_str("SECRET_KEY") or (
    "dev-insecure-guanjia-key-only-for-debug-and-tests-0123456789abcdefghij" if DEBUG or TESTING else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "guanjia.core",
    "guanjia.accounts",
    "guanjia.estates",
    "guanjia.staff",
    "guanjia.tickets",
    "guanjia.dispatch",
    "guanjia.sla",
    "guanjia.boards",
    "guanjia.evaluation",
    "guanjia.quality",
    "guanjia.facilities",
    "guanjia.emergencies",
    "guanjia.billing",
    "guanjia.payments",
    "guanjia.feedback",
    "guanjia.dataio",
    "guanjia.residents",
    "guanjia.households",
    "guanjia.notices",
    "guanjia.renovation",
    "guanjia.events",
    "guanjia.committee",
    "guanjia.handover",
    "guanjia.lending",
    "guanjia.stores",
    "guanjia.contractors",
    "guanjia.gate",
    "guanjia.rotas",
    "guanjia.notifications",
    "guanjia.web",
    "guanjia.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "ninja",
]

# Django's W003 looks for its CSRF middleware by path; ours is a subclass (core.checks checks that).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

MIDDLEWARE = [
    # guanjia.core.middleware: Django's and django-csp's, less what a bearer API call does not use.
    # First: every log line of the request carries its id (core.requestid); the time measured
    # (core.metrics) includes all the rest.
    "guanjia.core.requestid.RequestIdMiddleware",
    "guanjia.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed (static files come compressed from WhiteNoise or nginx). BREACH:
    # docs/performance.md ("Compression and BREACH") says why this is safe here.
    "django.middleware.gzip.GZipMiddleware",
    "guanjia.core.middleware.SessionMiddleware",
    "guanjia.core.middleware.LocaleMiddleware",
    # Before the CSRF check reads a form's body; after the locale, so the refusal is in the reader's language.
    "guanjia.core.http.RequestSizeMiddleware",
    # The API's budgets per token and per client address (core.ratelimit); reads the session.
    "guanjia.core.ratelimit.ApiRateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "guanjia.core.middleware.CsrfViewMiddleware",
    "guanjia.core.middleware.AuthenticationMiddleware",
    "guanjia.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "guanjia.core.middleware.CSPMiddleware",
    "guanjia.core.middleware.ChangeContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanjia.urls"
WSGI_APPLICATION = "guanjia.wsgi.application"
ASGI_APPLICATION = "guanjia.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "guanjia.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'guanjia.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # A kept connection is checked before a request uses it: after the database restarted, the
        # next request opens a new one instead of failing (no app server restart needed).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while one writes; IMMEDIATE makes a
    # transaction take the write lock up front, so select_for_update-style code does not
    # deadlock on lock upgrade. Connections are kept (CONN_MAX_AGE as for PostgreSQL): opening
    # and closing one per request (its PRAGMAs, the WAL checkpoint on close) cost a create
    # ~30 ms of its ~75 (benchmarks/createpath.py, docs/performance.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("GUANJIA_TEST_DB_FILE") else {}
    )

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_SERVER_SIDE_BINDING", False
):
    # Off by default: with values bound on the client, PostgreSQL plans every query with its real
    # values, so it uses the partial indexes (open requests, open deadlines) and probes "overdue"
    # per row. A prepared statement's generic plan can do neither (a bound status list never
    # matches an index's condition) and grew the request list 1.9× from 200,000 to 2,000,000
    # requests. The hot reads are written to plan in well under a millisecond (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

# A streaming replica for figures and exports (core.replica): only views that ask read there, and
# only while it answers and its replay lag is under REPLICA_MAX_LAG_SECONDS (checked every
# REPLICA_CHECK_SECONDS per process); otherwise they read the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that is down must not hold a request for long: fall back to the primary.
        DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    # The test run reads the replica's rows through the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["guanjia.core.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): five failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "guanjia.accounts.lockout.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed; see core/clients.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
AXES_CLIENT_IP_CALLABLE = "guanjia.core.clients.client_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = []
_NODE_MODULES = PROJECT_DIR / "node_modules"
# Front-end packages come from npm (package-lock.json), installed by the setup; never pasted in.
# Bootstrap's JavaScript as published; its CSS, the icons and ECharts as assets/build.mjs makes them
# from node_modules into build/static/ (trimmed CSS with the used icons, charts with the used parts).
if (_NODE_MODULES / "bootstrap" / "dist" / "js").is_dir():
    STATICFILES_DIRS.append(("vendor/bootstrap/js", str(_NODE_MODULES / "bootstrap" / "dist" / "js")))
if (PROJECT_DIR / "build" / "static").is_dir():
    STATICFILES_DIRS.append(str(PROJECT_DIR / "build" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are private (core.media): /media/<name> is a view that checks the user's scope.
MEDIA_URL = "/media/"
# On the local disk in production: nginx's internal location that sends the checked file
# (deploy/nginx-guanjia.conf); empty: the app sends it itself.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT", "")
# On object storage: how long a presigned link handed to a checked user works.
MEDIA_LINK_SECONDS = env_int("MEDIA_LINK_SECONDS", 300)
# Object storage (S3 or compatible: MinIO, SeaweedFS, Aliyun OSS, Tencent COS) through django-storages;
# without a bucket, files stay on the local disk under MEDIA_ROOT.
S3_BUCKET = env_str("GUANJIA_S3_BUCKET", "")
S3_ENDPOINT_URL = env_str("GUANJIA_S3_ENDPOINT_URL", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": env_str("GUANJIA_S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("GUANJIA_S3_SECRET_ACCESS_KEY", ""),
            "region_name": env_str("GUANJIA_S3_REGION", "us-east-1"),
            "addressing_style": env_str("GUANJIA_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            # Private objects (no ACL: the bucket's own policy, which must not be public) read
            # only through presigned links.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": MEDIA_LINK_SECONDS,
            "file_overwrite": False,
        },
    }

# Background jobs: Huey on SQLite in the embedded set-up, Redis in production.
REDIS_URL = env_str("REDIS_URL", "")
# core.queue's classes: jobs carry the request id of the request that enqueued them, and a job
# enqueued while Redis is unreachable waits in the database (core.ParkedJob) instead of being lost.
if REDIS_URL:
    HUEY = {
        "huey_class": "guanjia.core.queue.PriorityRedisHuey",
        "name": "guanjia",
        "url": REDIS_URL,
        "immediate": False,
        "results": False,  # nothing waits on a job's return value: no write per job to keep it
    }
else:
    HUEY = {
        "huey_class": "guanjia.core.queue.SqliteHuey",
        "name": "guanjia",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "results": False,
    }
if TESTING:
    HUEY = {"huey_class": "guanjia.core.queue.MemoryHuey", "name": "guanjia-test", "immediate": True}

# Auto-dispatch of a new repair runs in the worker, right after the request's transaction commits
# (``dispatch.PendingDispatch`` is its outbox): the desk's answer does not wait for it. Tests run it
# inline, inside the create, unless a test asks for the worker (dispatch/tests/test_in_worker.py).
AUTO_DISPATCH_IN_WORKER = env_bool("GUANJIA_AUTO_DISPATCH_IN_WORKER", not TESTING)

CACHES = (
    {
        "default": {
            # Redis down: misses and dropped writes, never an error page (core.failsoft_cache).
            "BACKEND": "guanjia.core.failsoft_cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_SECONDS": 5},
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "guanjia_cache"}}
)

# Security. Production (DEBUG off) gets secure cookies, HSTS and a content security policy.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = (
    False  # htmx reads the token from the page, not the cookie; kept readable for JS clients.
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # htmx injects its indicator style; Swagger UI sets inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        # The object store answers the presigned photo links (core.media) itself.
        "img-src": ["'self'", "data:", *([S3_ENDPOINT_URL] if S3_BUCKET and S3_ENDPOINT_URL else [])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Phone numbers show in full only to roles that need them and only on purpose (recorded).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
API_MAX_PAGE_SIZE = 200
# Request sizes (core.http, docs/deploy.md): a whole request, files included — the reverse proxy's
# client_max_body_size must be the same — and a body apart from its files (a JSON body, a form's
# text), which is read into memory. Both are answered with 413.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2000)
# An upload up to this size is counted (and, up to IMPORT_BACKGROUND_ROWS rows, imported) in the
# request; a larger one is only checked and stored, and read on the worker.
IMPORT_INLINE_BYTES = env_int("IMPORT_INLINE_BYTES", 256 * 1024)

# Mail: the console by default (development); production sets the SMTP backend and its server.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "guanjia@localhost")
# The public address of the site, for links in e-mails (https://guanjia.example.com).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# WeCom (企业微信) application messages to staff and WeChat official-account (公众号) template
# messages to residents (docs/notifications.md). Setting the corp id / app id switches the channel
# from the log backend to the provider.
GUANJIA_WECOM_CORP_ID = env_str("GUANJIA_WECOM_CORP_ID", "")
GUANJIA_WECOM_AGENT_ID = env_str("GUANJIA_WECOM_AGENT_ID", "")
GUANJIA_WECOM_SECRET = env_str("GUANJIA_WECOM_SECRET", "")
GUANJIA_WECOM_BASE_URL = env_str("GUANJIA_WECOM_BASE_URL", "https://qyapi.weixin.qq.com")
GUANJIA_WECOM_BACKEND = env_str(
    "GUANJIA_WECOM_BACKEND",
    "guanjia.notifications.providers.wecom.WecomBackend" if GUANJIA_WECOM_CORP_ID else "",
)
GUANJIA_WECHAT_APP_ID = env_str("GUANJIA_WECHAT_APP_ID", "")
GUANJIA_WECHAT_APP_SECRET = env_str("GUANJIA_WECHAT_APP_SECRET", "")
GUANJIA_WECHAT_BASE_URL = env_str("GUANJIA_WECHAT_BASE_URL", "https://api.weixin.qq.com")
GUANJIA_WECHAT_BACKEND = env_str(
    "GUANJIA_WECHAT_BACKEND",
    "guanjia.notifications.providers.wechat.WechatBackend" if GUANJIA_WECHAT_APP_ID else "",
)
# No flood: non-urgent push messages to one person wait up to this many minutes and go as one
# digest per channel (0: each message on its own).
GUANJIA_NOTIFICATION_DIGEST_MINUTES = env_int("GUANJIA_NOTIFICATION_DIGEST_MINUTES", 15)
# Electronic invoices (电子发票, docs/billing.md): the invoicing service's HTTP API; empty: finance
# marks requests issued by hand with the number the tax platform gave.
GUANJIA_INVOICE_URL = env_str("GUANJIA_INVOICE_URL", "")
GUANJIA_INVOICE_APP_ID = env_str("GUANJIA_INVOICE_APP_ID", "")
GUANJIA_INVOICE_SECRET = env_str("GUANJIA_INVOICE_SECRET", "")
GUANJIA_INVOICE_SELLER_TAX_NO = env_str("GUANJIA_INVOICE_SELLER_TAX_NO", "")

# SMS (docs/notifications.md): "tencent" or "aliyun" (or a backend's dotted path); empty: the log.
_SMS_BACKENDS = {
    "": "guanjia.notifications.channels.LogBackend",
    "log": "guanjia.notifications.channels.LogBackend",
    "tencent": "guanjia.notifications.sms.tencent.TencentSmsBackend",
    "aliyun": "guanjia.notifications.sms.aliyun.AliyunSmsBackend",
}
GUANJIA_SMS_BACKEND = _SMS_BACKENDS.get(
    env_str("GUANJIA_SMS_BACKEND").strip().lower(), env_str("GUANJIA_SMS_BACKEND")
)
GUANJIA_SMS_SIGN_NAME = env_str("GUANJIA_SMS_SIGN_NAME")  # used by a company that set none of its own
GUANJIA_SMS_TIMEOUT = env_int("GUANJIA_SMS_TIMEOUT", 10)
# Kinds sent by SMS besides the urgent ones (the emergency chain): each needs a template per company.
GUANJIA_SMS_KINDS = env_list("GUANJIA_SMS_KINDS")
# Templates of messages that belong to no company yet (a sign-in code for a number nobody has
# registered): kind=template_id:var1|var2, comma-separated, e.g. residents.sms_code=1234567:code|minutes
GUANJIA_SMS_DEPLOYMENT_TEMPLATES = env_list("GUANJIA_SMS_DEPLOYMENT_TEMPLATES")
# The secret in the delivery-report callback addresses given to the provider (/sms/report/<provider>/<token>/).
GUANJIA_SMS_REPORT_TOKEN = env_str("GUANJIA_SMS_REPORT_TOKEN")
GUANJIA_TENCENTCLOUD_SECRET_ID = env_str("GUANJIA_TENCENTCLOUD_SECRET_ID")
GUANJIA_TENCENTCLOUD_SECRET_KEY = env_str("GUANJIA_TENCENTCLOUD_SECRET_KEY")
GUANJIA_TENCENT_SMS_APP_ID = env_str("GUANJIA_TENCENT_SMS_APP_ID")
GUANJIA_TENCENT_SMS_REGION = env_str("GUANJIA_TENCENT_SMS_REGION", "ap-guangzhou")
GUANJIA_TENCENT_SMS_ENDPOINT = env_str("GUANJIA_TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
GUANJIA_ALIYUN_ACCESS_KEY_ID = env_str("GUANJIA_ALIYUN_ACCESS_KEY_ID")
GUANJIA_ALIYUN_ACCESS_KEY_SECRET = env_str("GUANJIA_ALIYUN_ACCESS_KEY_SECRET")
GUANJIA_ALIYUN_SMS_ENDPOINT = env_str("GUANJIA_ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")

# Logs (core.logs): one line per record on stderr, times in UTC, each naming its request id (also in
# the jobs the request enqueued), user and path. GUANJIA_LOG_FORMAT=json for a log collector.
LOG_FORMAT = env_str("GUANJIA_LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"GUANJIA_LOG_FORMAT={LOG_FORMAT!r} is not json or text.")
# Residents' accounts (docs/residents.md): invitations, sign-in by SMS code, WeChat (公众号) OAuth.
RESIDENT_INVITATION_HOURS = env_int("RESIDENT_INVITATION_HOURS", 72)
RESIDENT_INVITATION_RESEND_MINUTES = env_int("RESIDENT_INVITATION_RESEND_MINUTES", 10)
RESIDENT_INVITATION_DAILY_MAX = env_int("RESIDENT_INVITATION_DAILY_MAX", 3)
RESIDENT_SMS_CODE_MINUTES = env_int("RESIDENT_SMS_CODE_MINUTES", 5)
RESIDENT_SMS_CODE_TRIES = env_int("RESIDENT_SMS_CODE_TRIES", 5)
RESIDENT_SMS_COOLDOWN_MINUTES = env_int("RESIDENT_SMS_COOLDOWN_MINUTES", 15)
RESIDENT_SMS_CODE_GAP_SECONDS = env_int("RESIDENT_SMS_CODE_GAP_SECONDS", 60)
RESIDENT_SMS_CODES_PER_HOUR = env_int("RESIDENT_SMS_CODES_PER_HOUR", 5)
RESIDENT_SMS_CODES_PER_DAY = env_int("RESIDENT_SMS_CODES_PER_DAY", 10)
RESIDENT_SMS_CODES_PER_ADDRESS_HOUR = env_int("RESIDENT_SMS_CODES_PER_ADDRESS_HOUR", 30)
RESIDENT_SMS_CHECKS_PER_ADDRESS_HOUR = env_int("RESIDENT_SMS_CHECKS_PER_ADDRESS_HOUR", 60)
# The portal's WeChat sign-in uses the same official account as its messages unless told otherwise.
WECHAT_APPID = env_str("WECHAT_APPID", GUANJIA_WECHAT_APP_ID)
WECHAT_SECRET = env_str("WECHAT_SECRET", GUANJIA_WECHAT_APP_SECRET)
WECHAT_OAUTH_URL = env_str("WECHAT_OAUTH_URL", "https://open.weixin.qq.com")
WECHAT_API_URL = env_str("WECHAT_API_URL", GUANJIA_WECHAT_BASE_URL)
# Online payment (docs/payments.md): a deployment-wide WeChat Pay merchant, used by a company that
# entered none of its own on the settings page. Keys as PEM text or the path of a PEM file.
GUANJIA_WECHATPAY_MCHID = env_str("GUANJIA_WECHATPAY_MCHID")
GUANJIA_WECHATPAY_APPID = env_str("GUANJIA_WECHATPAY_APPID", WECHAT_APPID)
GUANJIA_WECHATPAY_CERT_SERIAL_NO = env_str("GUANJIA_WECHATPAY_CERT_SERIAL_NO")
GUANJIA_WECHATPAY_PRIVATE_KEY = env_str("GUANJIA_WECHATPAY_PRIVATE_KEY")
GUANJIA_WECHATPAY_APIV3_KEY = env_str("GUANJIA_WECHATPAY_APIV3_KEY")
GUANJIA_WECHATPAY_PUBLIC_KEY = env_str("GUANJIA_WECHATPAY_PUBLIC_KEY")
GUANJIA_WECHATPAY_PUBLIC_KEY_ID = env_str("GUANJIA_WECHATPAY_PUBLIC_KEY_ID")
GUANJIA_WECHATPAY_ENDPOINT = env_str("GUANJIA_WECHATPAY_ENDPOINT", "https://api.mch.weixin.qq.com")
GUANJIA_WECHATPAY_TIMEOUT = env_int("GUANJIA_WECHATPAY_TIMEOUT", 15)
# Alipay (docs/payments.md): a deployment-wide Alipay app (app id, the app's private key, Alipay's
# public key; PEM text or a file path), used by a company that entered none of its own.
GUANJIA_ALIPAY_APP_ID = env_str("GUANJIA_ALIPAY_APP_ID")
GUANJIA_ALIPAY_PRIVATE_KEY = env_str("GUANJIA_ALIPAY_PRIVATE_KEY")
GUANJIA_ALIPAY_PUBLIC_KEY = env_str("GUANJIA_ALIPAY_PUBLIC_KEY")
GUANJIA_ALIPAY_SELLER_ID = env_str("GUANJIA_ALIPAY_SELLER_ID")  # the PID (2088…), checked on notifies
GUANJIA_ALIPAY_GATEWAY = env_str("GUANJIA_ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do")
GUANJIA_ALIPAY_TIMEOUT = env_int("GUANJIA_ALIPAY_TIMEOUT", 15)
# The public HTTPS address the gateways send callbacks to (…/payments/notify/wechat/<company>/<project>/).
GUANJIA_PAYMENTS_NOTIFY_BASE = env_str("GUANJIA_PAYMENTS_NOTIFY_BASE", "https://localhost")
GUANJIA_PAYMENTS_ORDER_MINUTES = env_int("GUANJIA_PAYMENTS_ORDER_MINUTES", 30)  # unpaid orders close then
GUANJIA_PAYMENTS_QUERY_MINUTES = env_int("GUANJIA_PAYMENTS_QUERY_MINUTES", 3)  # no callback: ask the gateway

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusals_on_one_line": {"()": "guanjia.core.logs.RefusalsOnOneLine"},
        "request_context": {"()": "guanjia.core.logs.RequestContext"},
    },
    "formatters": {
        "json": {"()": "guanjia.core.logs.JsonFormatter"},
        "text": {"()": "guanjia.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["refusals_on_one_line", "request_context"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own console handler (DEBUG only) would print each refusal's traceback a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # run_huey adds its own handler (local time, its own format) to a "huey" logger that has
        # none, and the line then reached the root's handler too: every job line was written twice,
        # in two time zones. Given a handler here, run_huey adds none.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Metrics (core.metrics): /metrics from these addresses or networks (as seen through the trusted
# proxies), or with "Authorization: Bearer $GUANJIA_METRICS_TOKEN".
METRICS_ALLOWED_ADDRESSES = env_list("GUANJIA_METRICS_ALLOWED", "127.0.0.1,::1")
for _net in METRICS_ALLOWED_ADDRESSES:
    try:
        ipaddress.ip_network(_net, strict=False)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"GUANJIA_METRICS_ALLOWED: {_net!r} is not an address or a network."
        ) from None
METRICS_TOKEN = env_str("GUANJIA_METRICS_TOKEN", "")
# Health and metrics are asked for by monitors straight at an app server, over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# API rate limits (core.ratelimit): requests per seconds, per token (or signed-in user) and per
# client address; writes have their own, smaller budgets. Off in the test suite unless a test turns
# them on.
API_RATE_LIMITS = {
    "enabled": env_bool("API_RATE_LIMITS", not TESTING),
    "token_read": env_str("API_RATE_TOKEN_READ", "600/60"),
    "token_write": env_str("API_RATE_TOKEN_WRITE", "120/60"),
    "address_read": env_str("API_RATE_ADDRESS_READ", "1200/60"),
    "address_write": env_str("API_RATE_ADDRESS_WRITE", "240/60"),
}
for _name, _rate in API_RATE_LIMITS.items():
    if _name != "enabled":
        _count, _sep, _period = str(_rate).partition("/")
        if not (
            _count.strip().isdigit()
            and (_period.strip().isdigit() or _period.strip() in {"s", "min", "hour"})
        ):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(f"API_RATE_{_name.upper()}={_rate!r} is not like 600/60.")

# Renovation (装修): hours each approval step may take; violations that stop a permit.
RENOVATION_REVIEW_HOURS = 48
RENOVATION_STOP_AFTER_VIOLATIONS = 3
