"""Webhook endpoints: /hooks/<platform>/<store id>, JSON answers, CSRF-exempt (the signature is the check)."""
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.extensions import csrf, db
from portal.inputs import takes_json
from portal.orders.ingest import WebhookRejected, receive

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@bp.route("/<platform>/<int:store_id>", methods=["POST"])
@takes_json
@csrf.exempt
def webhook(platform, store_id):
    """Receive one delivery from a shop."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return jsonify(error="The body is larger than the configured limit.", status=413), 413
    raw = request.stream.read(limit + 1)
    try:
        status, outcome = receive(platform=platform, store_id=store_id, headers=request.headers, raw=raw,
                                  content_type=request.content_type, content_length=request.content_length)
    except WebhookRejected as exc:
        db.session.rollback()
        current_app.logger.warning("webhook %s/%s rejected: %s", platform, store_id, exc.message)
        return jsonify(error=exc.message, status=exc.status), exc.status
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request stored the same delivery or order first; the shop's retry is then harmless.
        db.session.rollback()
        return jsonify(error="A concurrent delivery changed this order; please retry.", status=409), 409
    return jsonify(ok=True, outcome=outcome), status
