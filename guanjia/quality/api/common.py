"""The quality router and what its resources share."""

from ninja import Router

from guanjia.core.api import Schema
from guanjia.core.media import private_url
from guanjia.core.roles import Perm
from guanjia.core.scoping import require

router = Router(tags=["quality"])


def require_view(request):
    require(request.user, Perm.VIEW_QUALITY)


class QualityPhotoOut(Schema):
    id: int
    url: str
    thumbnail_url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return private_url(obj.image)

    @staticmethod
    def resolve_thumbnail_url(obj) -> str:
        return private_url(obj.thumbnail)
