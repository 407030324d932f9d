"""The chat widget's settings form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ChatForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the chat a name.")), Length(max=80)],
                       render_kw={"placeholder": _l("Shop chat")})
    origins = TextAreaField(_l("Sites where the chat runs"), validators=[Optional()],
                            render_kw={"rows": 4, "placeholder": "https://shop.example", "spellcheck": "false",
                                       "autocomplete": "off"})
    greeting_en = TextAreaField(_l("Greeting in English"), validators=[Optional(), Length(max=300)],
                                render_kw={"rows": 2})
    greeting_fr = TextAreaField(_l("Greeting in French"), validators=[Optional(), Length(max=300)],
                                render_kw={"rows": 2, "lang": "fr"})
    group_id = SelectField(_l("New chats go to"), coerce=int, choices=[], validate_choice=False)
    enabled = BooleanField(_l("The chat is on"), default=True)
