"""The equipment ledger (设备台账): the type tree, items (each with the secret of its QR label),
and their photos and documents."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from guanjia.core import images
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Building, Project
from guanjia.facilities.choices import DEFAULT_TYPES, RETIRED_STATUSES, FileKind
from guanjia.facilities.models import Equipment, EquipmentFile, EquipmentType, MaintenanceTask
from guanjia.facilities.services import common
from guanjia.facilities.services.common import _drop_future_tasks, new_token

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


# Equipment types ----------------------------------------------------------------------------------


def types_ensure(*, company) -> dict[str, EquipmentType]:
    """The default type tree of a company (idempotent); returns top-level types by name."""
    roots = {}
    for root_name, children in DEFAULT_TYPES.items():
        root, _created = EquipmentType.objects.get_or_create(company=company, parent=None, name=root_name)
        roots[root_name] = root
        for child in children:
            EquipmentType.objects.get_or_create(company=company, parent=root, name=child)
    return roots


def type_with_descendants(equipment_type: EquipmentType) -> set[int]:
    """The ids of a type and every type below it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in EquipmentType.objects.filter(company_id=equipment_type.company_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), [equipment_type.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def root_type_name(equipment_type: EquipmentType) -> str:
    node, seen = equipment_type, 0
    while node.parent_id is not None and seen < 10:
        node = EquipmentType.objects.get(pk=node.parent_id)
        seen += 1
    return node.name


# Equipment ----------------------------------------------------------------------------------------

EQUIPMENT_FIELDS = {
    "code",
    "name",
    "floor",
    "room",
    "serial_no",
    "model_no",
    "vendor",
    "contractor",
    "contract_starts",
    "contract_ends",
    "installed_on",
    "warranty_until",
    "status",
    "notes",
}


def _equipment_refs(equipment: Equipment, *, actor, data: dict) -> None:
    if "type_id" in data:
        equipment.type = visible_reference(EquipmentType, data.pop("type_id"), actor, field="type_id")
    if "building_id" in data:
        pk = data.pop("building_id")
        equipment.building = (
            None if pk is None else visible_reference(Building, pk, actor, field="building_id")
        )
        if equipment.building is not None and equipment.building.project_id != equipment.project_id:
            raise ValidationError({"building_id": _("楼栋不属于该项目")})


@service
def equipment_create(*, actor, data: dict) -> Equipment:
    """Add an item to a project's ledger (engineering supervisors, project managers)."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    equipment = Equipment(company_id=project.company_id, project=project, qr_token=new_token())
    if data.get("type_id") is None:
        raise ValidationError({"type_id": _("此项为必填项")})
    _equipment_refs(equipment, actor=actor, data=data)
    apply_changes(
        equipment,
        {k: v for k, v in data.items() if v is not None or k in EQUIPMENT_FIELDS},
        allowed=EQUIPMENT_FIELDS,
    )
    for key in ("floor", "room", "serial_no", "model_no", "vendor", "contractor", "notes"):
        setattr(equipment, key, (getattr(equipment, key) or "").strip())
    if not equipment.code:
        equipment.code = _next_code(project)
    return save_validated(equipment)


def _next_code(project: Project) -> str:
    count = Equipment.objects.filter(project=project).count() + 1
    code = f"{project.code}-E{count:04d}"
    while Equipment.objects.filter(project=project, code=code, deleted_at__isnull=True).exists():
        count += 1
        code = f"{project.code}-E{count:04d}"
    return code


@service
def equipment_update(*, actor, equipment: Equipment, data: dict) -> Equipment:
    require(actor, Perm.CHANGE_FACILITIES)
    equipment = lock(equipment)
    data = dict(data)
    _equipment_refs(equipment, actor=actor, data=data)
    before = equipment.status
    apply_changes(equipment, data, allowed=EQUIPMENT_FIELDS)
    if equipment.status != before:
        equipment.faulty_from_repairs = False
    save_validated(equipment)
    if equipment.status in RETIRED_STATUSES:
        _drop_future_tasks(MaintenanceTask.objects.filter(equipment=equipment))
    return equipment


@service
def equipment_delete(*, actor, equipment: Equipment) -> None:
    """Soft-delete: the item's history (tasks, repairs, costs) stays."""
    require(actor, Perm.CHANGE_FACILITIES)
    equipment = lock(equipment)
    equipment.deleted_at = common._now()
    equipment.save()
    _drop_future_tasks(MaintenanceTask.objects.filter(equipment=equipment))


def _check_document(upload) -> bytes:
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    if not data.startswith(b"%PDF-"):
        raise ValidationError({"file": _("资料请上传 PDF 文件（照片请选择“照片”类别）")})
    return data


@service
def equipment_add_file(*, actor, equipment: Equipment, kind: str, upload, title: str = "") -> EquipmentFile:
    """Attach a photo (cleaned by ``core.images``) or a PDF document to an item."""
    require(actor, Perm.CHANGE_FACILITIES)
    if kind not in FileKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": kind}})
    prefix = f"facilities/{equipment.company_id}/equipment/{equipment.pk}"
    if kind == FileKind.PHOTO:
        clean = images.clean_photo(upload, field="file")
        name, thumb = images.save_photo(clean, prefix=prefix)
    else:
        data = _check_document(upload)
        name = default_storage.save(f"{prefix}/{new_token()}.pdf", ContentFile(data))
        thumb = ""
    return EquipmentFile.objects.create(
        company_id=equipment.company_id,
        project_id=equipment.project_id,
        equipment=equipment,
        kind=kind,
        title=(title or "").strip()[:100],
        file=name,
        thumbnail=thumb,
        uploaded_by=actor,
    )
