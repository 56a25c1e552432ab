from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.dataio.options import import_options
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
        # What apps above dataio offer to do once the rows are in (options.register_import_option).
        for option in import_options():
            self.fields[f"option_{option.name}"] = forms.BooleanField(
                label=option.label,
                help_text=option.help_text,
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def chosen_options(self) -> list[str]:
        return [o.name for o in import_options() if self.cleaned_data.get(f"option_{o.name}")]
