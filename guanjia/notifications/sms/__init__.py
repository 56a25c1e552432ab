"""SMS that reaches phones: Tencent Cloud SMS and Aliyun SMS through their official SDKs.

A Chinese SMS may only carry a text the provider approved beforehand: a signature per company
(``SmsSignature``) and a template per kind of notification (``SmsTemplate``: the provider's template
id and which of the kind's parameters fill its variables). ``text.py`` fills them; ``base.py`` is
the backend both providers share (template lookup, error classes, receipts); ``tencent.py`` and
``aliyun.py`` speak to the providers; ``config.py`` holds the administrators' services and the
check that refuses a kind without a template at configuration time; ``reports.py`` records the
providers' delivery reports. See docs/notifications.md.
"""
