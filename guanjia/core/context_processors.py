from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for


def navigation(request):
    """What the page chrome needs: the user's scope and permission names for menus."""
    scope = scope_for(getattr(request, "user", None))
    return {"scope": scope, "Perm": Perm}
