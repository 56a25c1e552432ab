"""Large shared-cache values kept in the process that read them (``shared_cached_parts(...,
in_process=True)``): used only while the shared cache holds the version they were read under, so a
change made through any app server is seen by the next call, and only the version is read again."""

from unittest import mock

import pytest
from django.core.cache import cache

from guanjia.core import cache as shared
from guanjia.core.cache import forget_shared_cached, shared_cached_parts

KIND = "test_in_process"


@pytest.fixture(autouse=True)
def empty_process():
    shared._in_process.clear()
    yield
    shared._in_process.clear()


def read(parts, computed: list, key_id=1):
    def compute(missing):
        computed.append(sorted(missing))
        return {part: {"part": part, "n": len(computed)} for part in missing}

    return shared_cached_parts(KIND, key_id, parts, compute, in_process=True)


def test_a_value_read_whole_is_kept_and_only_its_version_is_read_again():
    computed = []
    first = read(["a", "b"], computed)
    assert computed == [["a", "b"]]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        again = read(["a", "b"], computed)
    assert computed == [["a", "b"]]
    assert again["a"] is first["a"] and again["b"] is first["b"]  # not unpickled again
    get_many.assert_not_called()  # the version alone crossed the network


def test_a_change_anywhere_is_seen_by_the_next_call():
    computed = []
    read(["a"], computed)
    forget_shared_cached(KIND, 1)  # a change, through this process
    assert read(["a"], computed)["a"]["n"] == 2
    # Another app server's change renews the version in the shared cache only.
    cache.set(shared._keys(KIND, 1)[1], "a version this process never saw", None)
    assert read(["a"], computed)["a"]["n"] == 3
    cache.clear()  # the shared cache emptied (a Redis restart)
    assert read(["a"], computed)["a"]["n"] == 4
    assert computed == [["a"], ["a"], ["a"], ["a"]]


def test_another_process_reads_the_shared_copy_and_keeps_it():
    computed = []
    stored = read(["a"], computed)
    shared._in_process.clear()  # a second worker: nothing in its memory yet
    theirs = read(["a"], computed)
    assert computed == [["a"]]
    assert theirs == stored and theirs["a"] is not stored["a"]
    assert read(["a"], computed)["a"] is theirs["a"]


def test_only_parts_missing_here_are_fetched_and_computed():
    computed = []
    read(["a"], computed)
    both = read(["a", "b"], computed)
    assert computed == [["a"], ["b"]]
    assert set(both) == {"a", "b"}
    assert read(["b"], computed, key_id=2)["b"]["n"] == 3  # another company's own copy


def test_the_process_keeps_a_bounded_number_of_values():
    computed = []
    for n in range(shared.IN_PROCESS_ENTRIES + 1):
        read([f"p{n}"], computed)
    assert len(shared._in_process.values) == shared.IN_PROCESS_ENTRIES
    assert shared._keys(KIND, 1)[0] + ":p0" not in shared._in_process.values
    # The least recently used went first; the shared cache still holds it.
    assert read(["p0"], computed)["p0"]["n"] == 1
