"""The report's purpose (SPEC 10): the units' forms as protected tables, and the answers to the
method support's ten questions built from the protected report."""

from .build import QUESTIONS, build_answers
from .forms import FormsInput, FormSubmission, form_tables

__all__ = ["QUESTIONS", "FormSubmission", "FormsInput", "build_answers", "form_tables"]
