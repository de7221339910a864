from django import forms

from accord.accounts.models import User


class MailLanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language"]
