"""The phone channel: agents log calls and open tickets from them; a phone system's call events (Aircall's
webhook shape) file each finished call on the caller's ticket. No telephony here: calls happen elsewhere."""


def init_app(app):
    from portal.channels.phone import calls
    from portal.channels.phone.views import bp, call_log_form
    from portal.channels.views import setup_page

    app.register_blueprint(bp)
    app.add_template_global(call_log_form)
    app.add_template_global(calls.safe_url, "call_recording_url")
    app.add_template_filter(calls.format_duration, "call_duration")
    setup_page("phone", "phone.phone")
