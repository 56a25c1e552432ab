"""Local fakes of the SMS providers for tests: HTTP servers on 127.0.0.1 that check every request the
way Tencent Cloud and Aliyun do (the request signature, the account's app, signature and template,
the phone number) and answer with the providers' own success and error bodies.

    with TencentSmsFake(templates={"1234567": 2}, signs={"某某物业"}) as fake:
        settings.GUANJIA_TENCENT_SMS_ENDPOINT = fake.endpoint   # http://127.0.0.1:<port>
        ...
        fake.sent        # the messages it accepted
        fake.refusals    # what it refused and why (error codes)
        fake.fail_next("LimitExceeded.PhoneNumberDailyLimit")   # script the next answer

The signature checks are written from the providers' documentation, independently of the SDKs:
- Tencent Cloud API 3.0, TC3-HMAC-SHA256: canonical request (method, URI, query, the signed headers
  lower-cased, their names, SHA-256 of the payload), credential scope ``date/service/tc3_request``,
  key derivation ``TC3``+SecretKey → date → service → ``tc3_request``; timestamps older than 5 min
  are refused (``AuthFailure.SignatureExpire``).
- Aliyun ACS3-HMAC-SHA256 (V3 signature): canonical request (method, URI, the query RFC 3986
  encoded and sorted, the signed headers — ``host`` and every ``x-acs-*`` — lower-cased and sorted,
  their names, ``x-acs-content-sha256``), string to sign ``ACS3-HMAC-SHA256\\n`` + hex SHA-256.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

_MAINLAND = re.compile(r"^1[3-9]\d{9}$")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _segments(text: str) -> int:
    return 1 if len(text) <= 70 else -(-len(text) // 67)


class _Fake:
    """A provider on 127.0.0.1 (a thread, an ephemeral port)."""

    content_type = "application/json;charset=utf-8"  # Aliyun's

    def __init__(self):
        self.sent: list[dict] = []
        self.refusals: list[str] = []
        self.scripted: list[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet in tests
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    status, answer = fake.handle(self, body)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, code: str, times: int = 1) -> None:
        """The next ``times`` sends are answered with this error (a code, or ``HTTP500``)."""
        self.scripted.extend([code] * times)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def refuse(self, code: str) -> None:
        self.refusals.append(code)

    def handle(self, request, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError


class TencentSmsFake(_Fake):
    """Tencent Cloud SMS, API 3.0 ``SendSms`` (2021-01-11)."""

    content_type = "application/json"

    ERRORS = {
        "LimitExceeded.PhoneNumberDailyLimit": "单个手机号日下发短信条数超过设定的上限",
        "LimitExceeded.PhoneNumberThirtySecondLimit": "单个手机号30秒内下发短信条数超过设定的上限",
        "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式错误",
        "FailedOperation.InsufficientBalanceInSmsPackage": "套餐包余量不足，请购买套餐包",
        "FailedOperation.TemplateIncorrectOrUnapproved": "模板未审批或内容不匹配",
        "FailedOperation.SignatureIncorrectOrUnapproved": "签名未审批或格式错误",
        "FailedOperation.PhoneNumberInBlacklist": "手机号在免打扰名单库中",
    }

    def __init__(
        self,
        *,
        secret_id: str = "AKIDfakeTencentSecretId0000",  # noqa: S107 (a fake's own test keys)
        secret_key: str = "fakeTencentSecretKey0000000000",  # noqa: S107
        app_id: str = "1400000001",
        signs: set[str] | None = None,
        templates: dict[str, int] | None = None,
        contents: dict[str, str] | None = None,
    ):
        super().__init__()
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.signs = signs or {"管家物业"}
        self.templates = templates or {}  # template id → how many variables it has
        self.contents = contents or {}  # template id → its text, for the billed segments

    @staticmethod
    def _error(code: str, message: str) -> dict:
        return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}

    def _check_signature(self, request, body: bytes) -> str:
        auth = request.headers.get("Authorization", "")
        match = re.match(
            r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
            r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$",
            auth,
        )
        if not match:
            return "AuthFailure.InvalidAuthorization"
        secret_id, date, service, signed, signature = match.groups()
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        try:
            timestamp = int(request.headers.get("X-TC-Timestamp", ""))
        except ValueError:
            return "AuthFailure.InvalidAuthorization"
        if abs(time.time() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        if date != datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d"):
            return "AuthFailure.SignatureFailure"
        if service != "sms":
            return "AuthFailure.SignatureFailure"
        names = signed.split(";")
        if "content-type" not in names or "host" not in names or names != sorted(names):
            return "AuthFailure.SignatureFailure"
        url = urlsplit(request.path)
        canonical_headers = "".join(
            f"{name}:{(request.headers.get(name) or '').strip().lower()}\n" for name in names
        )
        payload = (
            "UNSIGNED-PAYLOAD" if request.headers.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" else None
        )
        hashed = _sha256(payload.encode() if payload else body)
        canonical = "\n".join(["POST", url.path or "/", url.query, canonical_headers, signed, hashed])
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{_sha256(canonical.encode())}"
        key = _hmac(_hmac(_hmac(f"TC3{self.secret_key}".encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "AuthFailure.SignatureFailure"
        return ""

    def handle(self, request, body: bytes) -> tuple[int, dict]:
        problem = self._check_signature(request, body)
        if problem:
            self.refuse(problem)
            messages = {
                "AuthFailure.SignatureFailure": "The provided credentials could not be validated. "
                "Please check your signature is correct.",
                "AuthFailure.SecretIdNotFound": "The SecretId is not found, please ensure that your "
                "SecretId is correct.",
                "AuthFailure.SignatureExpire": "Signature expired. Timestamp and server time are "
                "more than 5 minutes apart.",
            }
            return 200, self._error(problem, messages.get(problem, "Invalid authorization."))
        if (
            request.headers.get("X-TC-Action") != "SendSms"
            or request.headers.get("X-TC-Version") != "2021-01-11"
        ):
            self.refuse("InvalidAction")
            return 200, self._error("InvalidAction", "The action does not exist.")
        if not request.headers.get("X-TC-Region"):
            self.refuse("MissingParameter")
            return 200, self._error(
                "MissingParameter", "The request is missing a required parameter `Region`."
            )
        if self.scripted and self.scripted[0] == "HTTP502":
            self.scripted.pop(0)
            self.refuse("HTTP502")
            return 502, {"message": "Bad Gateway"}
        params = json.loads(body or b"{}")
        if params.get("SmsSdkAppId") != self.app_id:
            self.refuse("InvalidParameterValue.SdkAppIdNotExist")
            return 200, self._error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exists.")
        if params.get("SignName") not in self.signs:
            code = "FailedOperation.SignatureIncorrectOrUnapproved"
            self.refuse(code)
            return 200, self._error(code, self.ERRORS[code])
        template = params.get("TemplateId")
        variables = params.get("TemplateParamSet") or []
        if template not in self.templates:
            code = "FailedOperation.TemplateIncorrectOrUnapproved"
            self.refuse(code)
            return 200, self._error(code, self.ERRORS[code])
        if len(variables) != self.templates[template] or not all(isinstance(v, str) for v in variables):
            code = "InvalidParameterValue.TemplateParameterFormatError"
            self.refuse(code)
            return 200, self._error(code, "验证码模板参数格式错误")
        if any(len(v) > 35 for v in variables):
            code = "InvalidParameterValue.TemplateParameterLengthLimit"
            self.refuse(code)
            return 200, self._error(code, "单个模板变量字符数超过12个")
        statuses = []
        for phone in params.get("PhoneNumberSet") or []:
            code = self.scripted.pop(0) if self.scripted else ""
            if not code and not (phone.startswith("+86") and _MAINLAND.match(phone[3:])):
                code = "InvalidParameterValue.IncorrectPhoneNumber"
            if code:
                self.refuse(code)
                statuses.append(
                    {
                        "SerialNo": "",
                        "PhoneNumber": phone,
                        "Fee": 0,
                        "SessionContext": params.get("SessionContext", ""),
                        "Code": code,
                        "Message": self.ERRORS.get(code, code),
                        "IsoCode": "CN",
                    }
                )
                continue
            text = f"【{params['SignName']}】" + re.sub(
                r"\{(\d+)\}", lambda m: variables[int(m.group(1)) - 1], self.contents.get(template, "")
            )
            serial = f"2640:{uuid.uuid4().int % 10**28:028d}"
            fee = _segments(text) if template in self.contents else 1
            self.sent.append(
                {"phone": phone, "template": template, "params": variables, "serial": serial, "fee": fee}
            )
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": fee,
                    "SessionContext": params.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            )
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}


class AliyunSmsFake(_Fake):
    """Aliyun SMS, ``SendSms`` (2017-05-25), requests signed ACS3-HMAC-SHA256."""

    ERRORS = {
        "isv.BUSINESS_LIMIT_CONTROL": "触发号码天级流控Permits:10",
        "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
        "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
        "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
        "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
        "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少对应参数值",
    }

    def __init__(
        self,
        *,
        access_key_id: str = "LTAIfakeAliyunKeyId000000",
        access_key_secret: str = "fakeAliyunKeySecret0000000000",  # noqa: S107
        signs: set[str] | None = None,
        templates: dict[str, tuple[str, ...]] | None = None,
    ):
        super().__init__()
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.signs = signs or {"管家物业"}
        self.templates = templates or {}  # template code → its variable names
        self.nonces: set[str] = set()

    @staticmethod
    def _error(code: str, message: str, **extra) -> dict:
        return {
            "RequestId": str(uuid.uuid4()).upper(),
            "HostId": "dysmsapi.aliyuncs.com",
            "Code": code,
            "Message": message,
            **extra,
        }

    def _check_signature(self, request, body: bytes) -> tuple[int, dict] | None:
        auth = request.headers.get("Authorization", "")
        match = re.match(
            r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$",
            auth,
        )
        if not match:
            self.refuse("MissingAuthorization")
            return 400, self._error(
                "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        key_id, signed, signature = match.groups()
        if key_id != self.access_key_id:
            self.refuse("InvalidAccessKeyId.NotFound")
            return 404, self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        names = signed.split(";")
        headers = {k.lower(): v for k, v in request.headers.items()}
        required = {
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        }
        acs = {name for name in headers if name.startswith("x-acs-")}
        if not (required | acs) <= set(names) or names != sorted(names):
            self.refuse("IncompleteSignature")
            return 400, self._error(
                "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        try:
            stamp = datetime.datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.UTC
            )
        except ValueError:
            self.refuse("InvalidTimeStamp.Format")
            return 400, self._error(
                "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
            )
        if abs((datetime.datetime.now(datetime.UTC) - stamp).total_seconds()) > 900:
            self.refuse("InvalidTimeStamp.Expired")
            return 400, self._error(
                "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        if headers["x-acs-content-sha256"] != _sha256(body):
            self.refuse("ContentSHA256NotMatched")
            return 400, self._error("ContentSHA256NotMatched", "The content sha256 does not match.")
        url = urlsplit(request.path)
        query = sorted(parse_qsl(url.query, keep_blank_values=True))
        canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query)
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
        canonical = "\n".join(
            [
                request.command,
                url.path or "/",
                canonical_query,
                canonical_headers,
                signed,
                headers["x-acs-content-sha256"],
            ]
        )
        to_sign = f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}"
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            self.refuse("SignatureDoesNotMatch")
            return 400, self._error(
                "SignatureDoesNotMatch",
                f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}",
                Recommend="https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch",
            )
        nonce = headers["x-acs-signature-nonce"]
        if nonce in self.nonces:
            self.refuse("SignatureNonceUsed")
            return 400, self._error("SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        return None

    def handle(self, request, body: bytes) -> tuple[int, dict]:
        refused = self._check_signature(request, body)
        if refused:
            return refused
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            self.refuse("InvalidAction.NotFound")
            return 404, self._error(
                "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
            )
        if self.scripted and self.scripted[0] == "HTTP503":
            self.scripted.pop(0)
            self.refuse("ServiceUnavailable")
            return 503, self._error(
                "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
            )
        params = dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))
        ok = {"RequestId": str(uuid.uuid4()).upper()}

        def error(code):
            self.refuse(code)
            return 200, {**ok, "Code": code, "Message": self.ERRORS.get(code, code)}

        if self.scripted:
            return error(self.scripted.pop(0))
        phones = (params.get("PhoneNumbers") or "").split(",")
        if not all(_MAINLAND.match(p) for p in phones):
            return error("isv.MOBILE_NUMBER_ILLEGAL")
        if params.get("SignName") not in self.signs:
            return error("isv.SMS_SIGNATURE_ILLEGAL")
        template = params.get("TemplateCode")
        if template not in self.templates:
            return error("isv.SMS_TEMPLATE_ILLEGAL")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return error("isv.INVALID_JSON_PARAM")
        if set(values) != set(self.templates[template]):
            return error("isv.TEMPLATE_MISSING_PARAMETERS")
        biz_id = f"{uuid.uuid4().int % 10**18:018d}^0"
        for phone in phones:
            self.sent.append(
                {
                    "phone": phone,
                    "template": template,
                    "params": values,
                    "biz_id": biz_id,
                    "out_id": params.get("OutId", ""),
                }
            )
        return 200, {**ok, "Code": "OK", "Message": "OK", "BizId": biz_id}
