"""Console pages of the contractors app: the register of firms (list, export, edit, deactivate,
outsourced people), contracts (list, export, edit with service levels, the contract's page with
documents, actions, timeline and performance). Thin: reads through ``selectors`` /
``performance``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.contractors import performance, selectors, services
from guanjia.contractors.choices import ContractStatus, PerformancePeriod
from guanjia.contractors.forms import (
    ContractFilterForm,
    ContractForm,
    ContractorFilterForm,
    ContractorForm,
    DecideForm,
    DocumentForm,
    ServiceLevelFormSet,
    TerminateForm,
    WorkerForm,
    service_level_rows,
)
from guanjia.contractors.models import Contract, Contractor, OutsourcedWorker
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.web.helpers import (
    add_service_errors,
    console_view,
    detail_context,
    list_page,
    render_form,
    save_via_service,
    style_form,
)

CONTRACTOR_FIELDS = (
    "name",
    "category",
    "supplies_goods",
    "provides_services",
    "credit_code",
    "contact_name",
    "phone",
    "address",
    "note",
)


def _run(request, call, done: str) -> bool:
    """Call a service from a button; its refusal becomes a message on the page."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
        return True
    return False


# The register -----------------------------------------------------------------------------------------


@console_view(Perm.VIEW_CONTRACTS)
def contractor_list(request):
    form = ContractorFilterForm(request.GET or None)
    qs = selectors.contractors(request.user, form.cleaned_data if form.is_valid() else {})
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="contractors/_contractor_table.html",
        template="contractors/contractor_list.html",
        context={
            "title": _("供应商与外包单位"),
            "filter_form": form,
            "can_manage": user_can(request.user, Perm.MANAGE_CONTRACTS),
        },
    )


@console_view(Perm.MANAGE_CONTRACTS)
def contractor_edit(request, pk=None):
    contractor = visible_or_404(Contractor.objects, pk, request.user) if pk else None
    initial = {k: getattr(contractor, k) for k in CONTRACTOR_FIELDS} if contractor else None
    form = ContractorForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if contractor is None:
            call = lambda data: services.contractor_create(actor=request.user, data=data)  # noqa: E731
        else:

            def call(data):
                return services.contractor_update(actor=request.user, contractor=contractor, data=data)

        saved = save_via_service(request, form, call)
        if saved is not None:
            messages.success(request, _("已保存 %(name)s") % {"name": saved.name})
            return redirect("contractors:contractor", pk=saved.pk)
    title = _("编辑外包单位") if contractor else _("新建外包单位")
    cancel = reverse("contractors:contractor", args=[pk]) if pk else reverse("contractors:contractors")
    return render_form(request, form, title=title, cancel_url=cancel)


@console_view(Perm.VIEW_CONTRACTS)
def contractor_detail(request, pk):
    contractor = visible_or_404(Contractor.objects, pk, request.user)
    ctx = detail_context(
        contractor,
        request.user,
        title=contractor.name,
        contractor=contractor,
        contracts=selectors.contracts(request.user, {"contractor_id": contractor.pk}),
        workers=selectors.workers(request.user, contractor),
        worker_form=style_form(WorkerForm(user=request.user)),
        can_manage=user_can(request.user, Perm.MANAGE_CONTRACTS),
    )
    return render(request, "contractors/contractor_detail.html", ctx)


@require_POST
@console_view(Perm.MANAGE_CONTRACTS)
def contractor_deactivate(request, pk):
    contractor = visible_or_404(Contractor.objects, pk, request.user)
    _run(
        request,
        lambda: services.contractor_deactivate(actor=request.user, contractor=contractor),
        _("已停止合作"),
    )
    return redirect("contractors:contractor", pk=pk)


@require_POST
@console_view(Perm.MANAGE_CONTRACTS)
def worker_link(request, pk):
    contractor = visible_or_404(Contractor.objects, pk, request.user)
    form = WorkerForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("请选择人员"))
        return redirect("contractors:contractor", pk=pk)
    data = form.cleaned_data
    _run(
        request,
        lambda: services.worker_link(
            actor=request.user,
            data={
                "staff_member_id": data["staff_member"].pk,
                "contractor_id": contractor.pk,
                "supervisor_id": data["supervisor"].pk if data["supervisor"] else None,
                "note": data["note"],
            },
        ),
        _("已登记外包人员"),
    )
    return redirect("contractors:contractor", pk=pk)


@require_POST
@console_view(Perm.MANAGE_CONTRACTS)
def worker_unlink(request, pk):
    worker = visible_or_404(OutsourcedWorker.objects, pk, request.user)
    contractor_id = worker.contractor_id
    _run(request, lambda: services.worker_unlink(actor=request.user, worker=worker), _("已移除"))
    return redirect("contractors:contractor", pk=contractor_id)


# Contracts ---------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_CONTRACTS)
def contract_list(request):
    form = ContractFilterForm(request.GET or None, user=request.user)
    qs = selectors.contracts(request.user, form.cleaned_data if form.is_valid() else {})
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="contractors/_contract_table.html",
        template="contractors/contract_list.html",
        context={
            "title": _("外包合同"),
            "filter_form": form,
            "today": timezone.localdate(),
            "can_manage": user_can(request.user, Perm.MANAGE_CONTRACTS),
            "reminder_days": services.reminder_days(scope_for(request.user).company_id),
            "can_set_reminders": user_can(request.user, Perm.MANAGE_CONTRACTS)
            and scope_for(request.user).is_hq,
        },
    )


@require_POST
@console_view(Perm.MANAGE_CONTRACTS)
def reminder_days_set(request):
    """The company's reminder days from the contract list (HQ); refused days come back as a message."""
    days = request.POST.get("reminder_days", "")
    _run(
        request,
        lambda: services.reminder_days_set(actor=request.user, days=days),
        _("已保存到期提醒天数"),
    )
    return redirect("contractors:contracts")


def _contract_initial(contract: Contract) -> dict:
    return {
        "contractor": contract.contractor_id,
        "owner": contract.owner_id,
        "projects": list(contract.projects.all()),
        "equipment": list(contract.equipment.all()),
        **{
            k: getattr(contract, k)
            for k in (
                "number",
                "title",
                "category",
                "starts_on",
                "ends_on",
                "amount",
                "scope",
                "payment_terms",
            )
        },
    }


@console_view(Perm.MANAGE_CONTRACTS)
def contract_edit(request, pk=None):
    contract = visible_or_404(Contract.objects, pk, request.user) if pk else None
    if contract is not None and contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        messages.error(request, _("合同已%(status)s，不能再修改") % {"status": contract.get_status_display()})
        return redirect("contractors:contract", pk=pk)
    active = contract is not None and contract.status == ContractStatus.ACTIVE
    initial = _contract_initial(contract) if contract else {"contractor": request.GET.get("contractor")}
    form = ContractForm(request.POST or None, user=request.user, active=active, initial=initial)
    levels = ServiceLevelFormSet(
        request.POST or None,
        prefix="sl",
        initial=[
            {"kind": s.kind, "target": s.target, "unit": s.unit, "description": s.description}
            for s in contract.service_levels.all()
        ]
        if contract
        else None,
    )
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        data = {**form.service_data(), "service_levels": service_level_rows(levels)}
        try:
            if contract is None:
                saved = services.contract_create(actor=request.user, data=data)
            else:
                saved = services.contract_update(actor=request.user, contract=contract, data=data)
        except ValidationError as exc:
            add_service_errors(
                form,
                exc,
                {
                    "contractor_id": "contractor",
                    "owner_id": "owner",
                    "project_ids": "projects",
                    "equipment_ids": "equipment",
                },
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存合同 %(n)s") % {"n": saved.number})
            return redirect("contractors:contract", pk=saved.pk)
    style_form(form)
    for sub in levels.forms:
        style_form(sub)
    status = 422 if form.is_bound and (form.errors or not levels.is_valid()) else 200
    return render(
        request,
        "contractors/contract_form.html",
        {
            "title": _("编辑合同") if contract else _("新建合同"),
            "form": form,
            "levels": levels,
            "cancel_url": reverse("contractors:contract", args=[pk])
            if pk
            else reverse("contractors:contracts"),
        },
        status=status,
    )


@console_view(Perm.VIEW_CONTRACTS)
def contract_detail(request, pk):
    contract = visible_or_404(
        Contract.objects.select_related("contractor", "owner__user", "renewed_from"), pk, request.user
    )
    period = (
        request.GET.get("period")
        if request.GET.get("period") in PerformancePeriod.values
        else PerformancePeriod.MONTH
    )
    owner_user_id = contract.owner.user_id
    can_manage = user_can(request.user, Perm.MANAGE_CONTRACTS)
    ctx = detail_context(
        contract,
        request.user,
        title=f"{contract.number} {contract.title}",
        contract=contract,
        projects=list(contract.projects.all()),
        equipment=list(contract.equipment.select_related("project")),
        levels=list(contract.service_levels.all()),
        documents=list(contract.documents.all()),
        events=list(contract.events.select_related("actor").order_by("happened_at", "id")),
        reminders=list(contract.reminders.order_by("-days_before")),
        escalations=list(contract.escalations.order_by("step")),
        successor=Contract.objects.visible_to(request.user).filter(renewed_from=contract).first(),
        days_left=(contract.ends_on - timezone.localdate()).days,
        period=period,
        periods=PerformancePeriod.choices,
        figures=performance.contract_performance(contract, request.user, period=period),
        can_manage=can_manage,
        can_decide=contract.status == ContractStatus.ACTIVE
        and not contract.decision
        and (can_manage or owner_user_id == request.user.pk),
        decide_form=style_form(DecideForm()),
        terminate_form=style_form(TerminateForm()),
        document_form=style_form(DocumentForm()),
    )
    return render(request, "contractors/contract_detail.html", ctx)


# The buttons of a contract's page: action → (its form, or None; the service call with the form's
# values; what is said when it is done; what is said when the form is incomplete).
CONTRACT_ACTIONS = {
    "activate": (
        None,
        lambda user, c, _d: services.contract_activate(actor=user, contract=c),
        gettext_lazy("合同已生效"),
        "",
    ),
    "decide": (
        DecideForm,
        lambda user, c, d: services.contract_decide(
            actor=user, contract=c, decision=d["decision"], note=d["note"]
        ),
        gettext_lazy("已记录续签决定"),
        gettext_lazy("请选择续签或到期终止"),
    ),
    "terminate": (
        TerminateForm,
        lambda user, c, d: services.contract_terminate(
            actor=user, contract=c, reason=d["reason"], on=d["on"]
        ),
        gettext_lazy("合同已终止"),
        gettext_lazy("请填写终止原因"),
    ),
    "renew": (
        None,
        lambda user, c, _d: services.contract_renew(actor=user, contract=c),
        gettext_lazy("已生成续签合同草稿"),
        "",
    ),
    "document": (
        DocumentForm,
        lambda user, c, d: services.contract_add_document(
            actor=user, contract=c, upload=d["file"], title=d["title"]
        ),
        gettext_lazy("已上传附件"),
        gettext_lazy("请选择文件"),
    ),
}


@require_POST
@console_view(Perm.VIEW_CONTRACTS)
def contract_action(request, pk, action):
    contract = visible_or_404(Contract.objects, pk, request.user)
    if action not in CONTRACT_ACTIONS:
        messages.error(request, _("未知操作"))
        return redirect("contractors:contract", pk=pk)
    form_class, call, done, incomplete = CONTRACT_ACTIONS[action]
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is None or form.is_valid():
        data = form.cleaned_data if form else {}
        _run(request, lambda: call(request.user, contract, data), str(done))
    else:
        messages.error(request, str(incomplete))
    successor = Contract.objects.filter(renewed_from=contract).values_list("pk", flat=True).first()
    if action in ("renew", "decide") and successor:
        return redirect("contractors:contract", pk=successor)
    return redirect("contractors:contract", pk=pk)
