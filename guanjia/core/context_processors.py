from django.utils.functional import SimpleLazyObject

from guanjia.core.notices import notices_for
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for


def navigation(request):
    """What the page chrome needs: the user's scope and permission names for menus."""
    scope = scope_for(getattr(request, "user", None))
    user = getattr(request, "user", None)
    # Lazy: computed only when a page's chrome shows them (not for fragments or the API).
    return {"scope": scope, "Perm": Perm, "console_notices": SimpleLazyObject(lambda: notices_for(user))}
