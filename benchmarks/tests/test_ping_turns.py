"""The ping target compares Guanjia with the bare Django worker measured in the same minute: the
two are run in turns, and each side's figure is the median of its own runs."""

import subprocess

from benchmarks import loadbench, peer

IDS = {"pmin": 1, "pmax": 2, "umin": 1, "umax": 2, "tmin": 1, "tmax": 2, "cmin": 1, "cmax": 2, "company": 1}


def _wrk_output(rps: float) -> str:
    return (
        "Running 1s test\n  Latency Distribution\n     50%    2.00ms\n     75%    3.00ms\n"
        f"     90%    4.00ms\n     99%    5.00ms\nRequests/sec:   {rps}\n"
    )


def test_ping_and_bare_worker_are_measured_in_turns(tmp_path, monkeypatch):
    calls = []
    speed = {"bare": iter([5000.0, 5100.0, 4900.0]), "site": iter([4000.0, 4100.0, 3900.0])}

    def fake_sh(*args, **kwargs):
        url = args[-1]
        side = "bare" if url.endswith(":8798/ping") else "site"
        recorded = "--latency" in args
        calls.append((side, recorded))
        out = _wrk_output(next(speed[side])) if recorded else _wrk_output(1.0)
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr="")

    monkeypatch.setattr(loadbench, "sh", fake_sh)
    site, bare = loadbench.ping_beside_bare(
        tmp_path, IDS, "token", 1, {"runs": 3, "connections": 16}, "http://127.0.0.1:8798/ping"
    )

    recorded = [side for side, was_recorded in calls if was_recorded]
    assert recorded == ["bare", "site", "site", "bare", "bare", "site"]
    assert [side for side, was_recorded in calls if not was_recorded] == ["bare", "site"]  # warm-ups
    assert (site["rps"], bare["rps"]) == (4000.0, 5000.0)
    assert site["p50"] == 2.0 and site["errors"] == 0


def test_the_peer_table_reports_the_ping_against_the_bare_worker_of_the_same_run():
    small = {"ping": {"rps": 4000.0}, "ping_bare": {"rps": 5000.0}}
    large = {"ping": {"rps": 4100.0}, "ping_bare": {"rps": 5000.0}}

    text = peer.beside({"meta": {}}, small, large, 200_000, 2_000_000)

    row = next(line for line in text.splitlines() if "measured in turns" in line)
    assert "| 0.80× | 0.82× | ≥ 0.80× |" in row
