"""Personal data: a customer's export, erasure on request, and the nightly retention rules (issue 13).

Every entry point (the portal, the manager page, `portal gdpr ...`, the worker) calls portal/gdpr/service.py.
"""
