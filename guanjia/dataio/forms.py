from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.models import Project


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("导入到项目"), queryset=Project.objects.none(), empty_label=_("请选择项目")
    )
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV 文件，第1行为表头"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["project"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx,.csv"})
