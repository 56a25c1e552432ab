"""``benchmarks.cpu``: the CPU of a process tree, counting the children that ended (as PostgreSQL's
backends end and are reaped by the postmaster)."""

import os
import subprocess
import sys

from benchmarks.cpu import postmaster_pid, tree_seconds


def test_a_trees_cpu_counts_a_child_that_ended():
    before = tree_seconds(os.getpid())
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert tree_seconds(os.getpid()) - before >= 0.25


def test_a_gone_process_counts_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert tree_seconds(child.pid) == 0


def test_the_postmaster_is_read_from_its_data_directory(tmp_path):
    (tmp_path / "postmaster.pid").write_text("4242\n/var/lib/postgresql/data\n1733390000\n5432\n")
    assert postmaster_pid(tmp_path) == 4242
