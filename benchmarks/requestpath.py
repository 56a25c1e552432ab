"""The request path in-process: what Guanjia's middleware costs a request, measured without HTTP,
load generator or database, so the figure does not depend on how busy the machine is.

    GUANJIA_TESTING=1 DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.requestpath \
        [--n 5000] [--rounds 5] [--profile]

Three WSGI handlers built in one process, each given raw WSGI environs (no test client):

- ``bare``: the ping view with startproject's seven middlewares (the peer harness's ``ceiling-mw``);
- ``ping``: ``/bench/ping`` through the site's whole middleware stack (settings.MIDDLEWARE);
- ``api``: the same view under ``/api/bench/ping`` with a bearer header, through the same stack.

Rounds alternate the handlers, so each ratio is measured back to back; the median of the rounds is
printed. ``--profile`` prints a cProfile of the site's stack per middleware (cumulative).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time

from benchmarks.inprocess import environ

STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def _start_response(status, headers, exc_info=None):
    _start_response.status = status


def serve(handler, env: dict) -> None:
    env = dict(env, **{"wsgi.input": io.BytesIO(b"")})
    result = handler(env, _start_response)
    for _chunk in result:
        pass
    if hasattr(result, "close"):
        result.close()
    if not _start_response.status.startswith("200"):
        raise SystemExit(f"{env['PATH_INFO']}: {_start_response.status}")


def per_request_us(handler, env: dict, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        serve(handler, env)
    return (time.perf_counter() - started) / n * 1e6


def handlers():
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    site = WSGIHandler()
    with override_settings(MIDDLEWARE=STARTPROJECT_MIDDLEWARE, ROOT_URLCONF="benchmarks.bare_urls"):
        bare = WSGIHandler()
    return bare, site


def ablate(n: int, rounds: int) -> None:
    """What each middleware costs /bench/ping and the bearer API ping: the stack less that one,
    measured back to back with the whole stack (µs saved per request, median of the rounds)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    whole = WSGIHandler()
    envs = {
        "ping": environ("/bench/ping"),
        "api": environ("/api/bench/ping", HTTP_AUTHORIZATION="Bearer not-a-real-token"),
    }
    print("\n| middleware left out | µs saved, ping | µs saved, bearer API |")
    print("|---|---|---|")
    for name in settings.MIDDLEWARE:
        if name.endswith(".SessionMiddleware"):  # authentication cannot run without it
            print(f"| {name} | (needed by authentication) | |")
            continue
        with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != name]):
            less = WSGIHandler()
        saved = {}
        for case, env in envs.items():
            diffs = []
            for _ in range(rounds):
                diffs.append(per_request_us(whole, env, n) - per_request_us(less, env, n))
            saved[case] = statistics.median(diffs)
        print(f"| {name} | {saved['ping']:.0f} | {saved['api']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--ablate", action="store_true", help="the site's stack less one middleware at a time"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.conf import settings

    bare, site = handlers()
    cases = {
        "bare": (bare, environ("/ping")),
        "ping": (site, environ("/bench/ping")),
        "api": (site, environ("/api/bench/ping", HTTP_AUTHORIZATION="Bearer not-a-real-token")),
    }
    # /ping of the bare handler resolves against benchmarks.bare_urls only while overridden.
    from django.urls import set_urlconf

    def run(name: str, n: int) -> float:
        handler, env = cases[name]
        if name == "bare":
            from django.test.utils import override_settings

            with override_settings(ROOT_URLCONF="benchmarks.bare_urls"):
                set_urlconf(None)
                return per_request_us(handler, env, n)
        return per_request_us(handler, env, n)

    for name in cases:
        run(name, 200)  # warm-up
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name in cases:
            results[name].append(run(name, args.n))
    print(
        f"middleware: {len(settings.MIDDLEWARE)} in the site's stack; {args.rounds} rounds × {args.n} requests"
    )
    print("| case | µs per request (median) | min–max | bare ÷ case |")
    print("|---|---|---|---|")
    bare_us = statistics.median(results["bare"])
    for name, values in results.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.0f} | {min(values):.0f}–{max(values):.0f} | {bare_us / med:.2f} |")
    if args.ablate:
        ablate(args.n, args.rounds)
    if args.profile:
        import cProfile
        import pstats

        for name in ("ping", "api"):
            profiler = cProfile.Profile()
            profiler.enable()
            run(name, args.n)
            profiler.disable()
            print(f"\n### cProfile: {name}, {args.n} requests")
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
