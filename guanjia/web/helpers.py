"""What every console view shares: domain errors as HTTP answers, service errors as form errors,
paginated and filtered lists (full page or htmx fragment), and the history tab."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.journal import history_for
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, user_can

PER_PAGE = 20
HISTORY_LIMIT = 100
# Bookkeeping columns that say nothing to a reader of the history tab.
HISTORY_HIDDEN = {"id", "company_id", "created_at", "updated_at"}


def console_view(perm: str | None = None):
    """Login required, optionally a permission; domain errors become 403 / 404 pages."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if perm is not None:
                    require(request.user, perm)
                return view(request, *args, **kwargs)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return login_required(wrapper)

    return decorator


def style_form(form: forms.Form) -> forms.Form:
    """Bootstrap classes on every widget; fields with errors are marked invalid."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


def add_service_errors(form: forms.Form, exc: ValidationError, field_map: dict | None = None) -> None:
    """A service's ValidationError ({"building_id": [...]}) shown on the form field it names."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        name = field_map.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


def save_via_service(request, form: forms.Form, call, *, field_map: dict | None = None):
    """Validate the form, then ``call(cleaned_data)``; the saved object, or None with errors on the form."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc, field_map)
    except Conflict as exc:
        form.add_error(None, exc.message)
        messages.error(request, exc.message)
    return None


def form_page(
    request,
    form: forms.Form,
    *,
    save,
    saved_message: str,
    detail: str,
    title: str,
    cancel_url: str,
    field_map: dict | None = None,
):
    """A create or edit page: GET shows the form; POST validates it, calls ``save(cleaned_data)``
    (a service function), and on success goes to the saved record's page (URL name ``detail``)."""
    if request.method == "POST":
        saved = save_via_service(request, form, save, field_map=field_map)
        if saved is not None:
            messages.success(request, saved_message)
            return redirect(detail, pk=saved.pk)
    return render_form(request, form, title=title, cancel_url=cancel_url)


def render_form(request, form, *, title: str, cancel_url: str, status: int | None = None):
    style_form(form)
    if status is None:
        status = 422 if form.is_bound and form.errors else 200
    return render(
        request, "web/form.html", {"form": form, "title": title, "cancel_url": cancel_url}, status=status
    )


# Counting every row of a long history for each page costs more than the page itself (an HQ user's
# request list: ~70 ms at 2,000,000 requests); beyond this many rows the pager says "more than" and
# pages up to there — filters narrow the rest.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT n)``)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "query"):
            # Which rows make up the first ``cap`` + 1 does not change their number: without the
            # list's order the database counts rows as an index yields them instead of sorting
            # every row first (a big project's 120,000 residents sorted by name, for a count).
            return self.object_list.order_by()[: self.cap + 1].count()
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def refused_filters(form: forms.Form | None) -> list[str]:
    """A list's filters that are bad input, each as "label: message": a date outside the accepted
    years (``core.dates``). Other invalid filters, such as a stale project id in a bookmark, are
    ignored and the list shows everything, as before."""
    if form is None or not form.is_bound or form.is_valid():
        return []
    refused = []
    for name, errors in form.errors.as_data().items():
        for error in errors:
            if error.code == "date_out_of_range" and name in form.fields:
                refused.append(f"{form.fields[name].label}: {' '.join(error.messages)}")
    return refused


def filter_status(request, form: forms.Form | None) -> int:
    """The status of a page filtered by ``form``: 422 with each refused filter named above the page
    (``refused_filters``), else 200."""
    refused = refused_filters(form)
    for text in refused:
        messages.error(request, text)
    return 422 if refused else 200


def list_page(
    request,
    *,
    queryset,
    fragment: str,
    context: dict,
    template: str = "web/list.html",
    page_context=None,
):
    """One page of a filtered list; an htmx request (live filtering, paging) gets only the table.

    ``page_context(page) -> dict``: what the page needs from its own rows (the people the bulk bar
    may send to the projects on this page …), read once per page.

    A filter refused as bad input answers 422 naming it: above the list on a full page, as plain
    text for htmx (shown in the console's error box, the table left as it was)."""
    refused = refused_filters(context.get("filter_form"))
    htmx = getattr(request, "htmx", False) and not request.htmx.boosted
    if refused and htmx:
        return HttpResponse("\n".join(refused), status=422, content_type="text/plain; charset=utf-8")
    status = filter_status(request, context.get("filter_form"))
    page = CappedPaginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    for key in [k for k, v in params.items() if k == "page" or v == ""]:
        params.pop(key)
    ctx = {
        "page": page,
        "rows": page.object_list,
        "query": params.urlencode(),
        "fragment": fragment,
        **context,
    }
    if page_context is not None:
        ctx.update(page_context(page))
    if htmx:
        return render(request, fragment, ctx)
    return render(request, template, ctx, status=status)


def history_rows(obj, user) -> list[dict] | None:
    """The journal of a record for its 历史 tab; None when the user may not read history."""
    if not user_can(user, Perm.VIEW_HISTORY):
        return None
    labels, choices = {}, {}
    for field in obj._meta.get_fields():
        label = getattr(field, "verbose_name", None)
        if not label:
            continue
        for key in {field.name, getattr(field, "attname", field.name)}:
            labels[key] = str(label)
            if getattr(field, "choices", None):
                choices[key] = {value: str(text) for value, text in field.flatchoices}

    def shown(key, value):
        if isinstance(value, str | int) and key in choices:
            return choices[key].get(value, value)
        return value

    rows = []
    for entry in history_for(obj)[:HISTORY_LIMIT]:
        changes = []
        for key, value in (entry.changes or {}).items():
            if key in HISTORY_HIDDEN:
                continue
            before, after = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
            changes.append(
                {"field": labels.get(key, key), "before": shown(key, before), "after": shown(key, after)}
            )
        rows.append({"entry": entry, "changes": changes})
    return rows


def detail_context(obj, user, **extra) -> dict:
    return {"object": obj, "history": history_rows(obj, user), **extra}


def forbidden_unless(user, perm: str) -> None:
    if not user_can(user, perm):
        raise PermissionDenied(_("您没有权限执行此操作"))
