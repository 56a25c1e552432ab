"""A project's rules in the shared cache: read once, and every change is seen by the next request."""

import pytest

from guanjia.dispatch.models import DispatchRule
from guanjia.dispatch.services import project_rules
from guanjia.dispatch.tests.conftest import make_rule

pytestmark = pytest.mark.django_db


def _ids(project):
    return [rule.pk for rule in project_rules(project.pk)]


def test_rules_are_read_once_and_every_change_is_seen(
    dw, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        rule = make_rule(dw)
    with django_capture_on_commit_callbacks(execute=True):  # stored once the transaction commits
        assert _ids(dw.project) == [rule.pk]
    with django_assert_num_queries(0):
        assert _ids(dw.project) == [rule.pk]
    assert _ids(dw.sibling_project) == []

    with django_capture_on_commit_callbacks(execute=True):
        second = make_rule(dw, category=dw.leak)
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(_ids(dw.project)) == sorted([rule.pk, second.pk])

    with django_capture_on_commit_callbacks(execute=True):
        DispatchRule.objects.filter(pk=second.pk).update(is_active=False)  # no signal: the queryset drops it
    with django_capture_on_commit_callbacks(execute=True):
        assert _ids(dw.project) == [rule.pk]

    rule.project = dw.sibling_project  # moved: both projects' copies go
    with django_capture_on_commit_callbacks(execute=True):
        rule.save()
    assert _ids(dw.project) == []
    assert _ids(dw.sibling_project) == [rule.pk]
