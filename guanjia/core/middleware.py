from guanjia.core.context import Source, change_context


class ChangeContextMiddleware:
    """Marks every change made while serving a request with its user and channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/"):
            source = Source.API
        elif path.startswith("/admin/"):
            source = Source.ADMIN
        else:
            source = Source.WEB
        with change_context(source=source, request=request):
            return self.get_response(request)
