"""Community forms; services validate lengths and permissions and put errors on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional


class AskForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    title = StringField(_l("Your question"), validators=[DataRequired(message=_l("Write your question."))],
                        render_kw={"autocomplete": "off", "data-similar": "1"})
    body = TextAreaField(_l("Details"), validators=[DataRequired(message=_l("Add some details."))],
                         render_kw={"rows": 8})
    tags = StringField(_l("Tags (optional, comma separated)"))
    website = StringField(_l("Leave this field empty"))  # honeypot


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[DataRequired(message=_l("Write your answer."))],
                         render_kw={"rows": 6})
    website = StringField(_l("Leave this field empty"))


class CommentForm(FlaskForm):
    body = StringField(_l("Comment"), validators=[DataRequired(message=_l("Write a comment."))])
    answer_id = StringField()


class EditForm(FlaskForm):
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"), validators=[DataRequired(message=_l("The text cannot be empty."))],
                         render_kw={"rows": 10})
    tags = StringField(_l("Tags"))
    reason = StringField(_l("Reason for the edit (moderators)"))


class SanctionForm(FlaskForm):
    kind = SelectField(_l("Sanction"), choices=[("suspend", _l("Suspend until a date")), ("ban", _l("Ban"))])
    reason = StringField(_l("Reason (shown to the member)"),
                         validators=[DataRequired(message=_l("Give a reason: the member is told why."))])
    until = DateTimeLocalField(_l("Until (for a suspension)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    hide_posts = SelectField(_l("Their posts"), choices=[("", _l("Leave them visible")), ("1", _l("Hide them all now"))],
                             validate_choice=False)
