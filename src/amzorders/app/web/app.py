"""The FastAPI application of `amzorders serve`: cron trigger URLs, /health, /metrics and the dashboard.

Every route is a thin shell around `Operator`, `views` and `health`, which tests call directly too.
Sync route functions run in the server's thread pool, so two triggers for the same account can overlap:
the operator answers the second `busy` instead of running it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from amzorders.app import views
from amzorders.app.health import Check
from amzorders.app.metrics import CONTENT_TYPE, Metrics
from amzorders.app.operations import Operator, unrepaired_ids
from amzorders.app.web import present
from amzorders.app.web.auth import COOKIE, LoginThrottle, SessionSigner, same
from amzorders.sync.summary import RunSummary

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_FORBIDDEN = {"detail": "forbidden"}


@dataclass
class WebSettings:
    cron_token: str | None
    dashboard_user: str = "admin"
    dashboard_password: str | None = None
    session_secret: bytes | None = None
    timezone: str = "UTC"
    secure_cookies: bool = False


def cron_summary(results: list[RunSummary]) -> tuple[int, dict[str, Any]]:
    """HTTP status and JSON body of a cron trigger: 200 when done or busy, 5xx when it could not run."""
    outcomes = {r.outcome for r in results}
    status = 200
    if "refused" in outcomes:
        status = 502
    elif "unavailable" in outcomes:
        status = 503
    elif "error" in outcomes:
        status = 500
    body = {
        "ok": status == 200,
        "busy": sorted({r.account for r in results if r.outcome == "busy"}),
        "created": sum(r.created for r in results),
        "updated": sum(r.updated for r in results),
        "cancelled": sum(r.cancelled for r in results),
        "failed": sum(r.failed for r in results),
        "parked": sum(r.parked for r in results),
        "runs": [r.as_json() for r in results],
    }
    return status, body


def create_app(
    operator: Operator,
    web: WebSettings,
    metrics: Metrics,
    health: Callable[[], dict[str, Check]],
) -> FastAPI:
    app = FastAPI(title="amzorders", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(age=present.age, tz=web.timezone)
    templates.env.filters["local"] = lambda value, seconds=False: present.local(value, web.timezone, seconds)
    signer = SessionSigner(web.session_secret, bound_to=web.dashboard_password or "")
    throttle = LoginThrottle()
    engine = operator.runtime.ledger
    if not web.cron_token:
        log.warning("no cron token configured: /cron/* answers 403 (set server.cron_token_file)")

    def unknown_account(account: str | None) -> Response | None:
        if account and account not in operator.runtime.account_names:
            return JSONResponse({"detail": f"unknown account {account}"}, status_code=404)
        return None

    @app.get("/cron/import")
    def cron_import(
        token: str = "",
        recheck: str = "",
        doublecheck: str = "",
        pending: str = "",
        account: str | None = None,
    ) -> Response:
        if not same(token, web.cron_token):
            return JSONResponse(_FORBIDDEN, status_code=403)
        if unknown := unknown_account(account):
            return unknown
        flags = {"recheck": recheck, "doublecheck": doublecheck, "pending": pending}
        for name, value in flags.items():
            if value.lower() not in (*_TRUE, *_FALSE):
                detail = f"{name}={value}: use {name}=1 (or 0); the run was not started"
                return JSONResponse({"detail": detail}, status_code=400)
        kinds = [name for name, value in flags.items() if value.lower() in _TRUE]
        results = [r for kind in (kinds or ["import"]) for r in operator.run_all(kind, account)]
        status, body = cron_summary(results)
        return JSONResponse(body, status_code=status)

    @app.get("/cron/reconcile")
    def cron_reconcile(token: str = "", day: str | None = None, account: str | None = None) -> Response:
        from datetime import date

        from amzorders.sync.reconcile import local_yesterday

        if not same(token, web.cron_token):
            return JSONResponse(_FORBIDDEN, status_code=403)
        try:
            when = date.fromisoformat(day) if day else local_yesterday(operator.clock.now(), web.timezone)
        except ValueError:
            return JSONResponse({"detail": "day must be YYYY-MM-DD"}, status_code=400)
        if unknown := unknown_account(account):
            return unknown
        left, errors = {}, {}
        for name in operator.accounts(account):
            report = operator.reconcile(when, name)
            left[name] = unrepaired_ids(report)
            if getattr(report, "error", None):
                errors[name] = report.error
        total = sum(len(v) for v in left.values())
        ok = total == 0 and not errors
        body = {"ok": ok, "day": when.isoformat(), "unrepaired": left, "errors": errors}
        return JSONResponse(body, status_code=500 if errors else 200)  # could not finish: the cron retries

    @app.get("/health")
    def get_health(request: Request, token: str = "") -> Response:
        """Open to a load balancer's probe: each check's ok. Its detail and latency (shop URLs, order
        counts, error texts) only with the cron token or a dashboard session."""
        checks = health()
        ok = all(c.ok for c in checks.values())
        told = same(token, web.cron_token) if token else session_user(request) is not None
        shown = {k: c.as_json() if told else {"ok": c.ok} for k, c in checks.items()}
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "checks": shown}, status_code=200 if ok else 503
        )

    @app.get("/metrics")
    def get_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    # ------------------------------------------------------------------------------ dashboard

    def session_user(request: Request) -> str | None:
        return signer.user(request.cookies.get(COOKIE))

    def to_login(request: Request) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.get("/login")
    def login_form(request: Request, next: str = "/", error: str = "") -> Response:
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "next": next if next.startswith("/") else "/",
                "error": error,
                "enabled": bool(web.dashboard_password),
            },
        )

    @app.post("/login")
    def login(
        request: Request, user: str = Form(""), password: str = Form(""), next: str = Form("/")
    ) -> Response:
        client = request.client.host if request.client else "?"
        if throttle.blocked(client):
            return Response("too many failed logins; try again in a few minutes", status_code=429)
        user_ok = same(user, web.dashboard_user)
        password_ok = same(password, web.dashboard_password)
        if not (user_ok and password_ok):
            throttle.failed(client)
            return RedirectResponse("/login?error=1", status_code=303)
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            signer.issue(user),
            max_age=signer.ttl_s,
            httponly=True,
            samesite="strict",
            secure=web.secure_cookies,
        )
        return response

    @app.post("/logout")
    def logout(request: Request) -> Response:
        signer.revoke(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/")
    def dashboard(request: Request, msg: str = "") -> Response:
        if not session_user(request):
            return to_login(request)
        now = operator.clock.now()
        accounts = views.account_status(engine, operator.runtime.sellers, now)
        context = {
            "now": now,
            "msg": msg,
            "csrf": signer.csrf(request.cookies[COOKIE]),
            "accounts": accounts,
            "pending": views.list_orders(engine, statuses=views.PENDING_STATUSES, limit=50),
            "stuck": views.list_orders(engine, shop_states=views.STUCK_STATES, limit=100),
            "reports": views.recent_reports(engine, limit=8),
            "chart": present.day_chart(views.daily_counts(engine, now, days=14, tz=web.timezone)),
            "user": session_user(request),
        }
        return templates.TemplateResponse(request, "dashboard.html", context)

    @app.get("/orders/{account}/{order_id}")
    def order_page(request: Request, account: str, order_id: str) -> Response:
        if not session_user(request):
            return to_login(request)
        row = views.find_order(engine, order_id, account)
        if row is None:
            return Response("no such order", status_code=404)
        context = {
            "order": row,
            "events": views.order_events(engine, order_id, account),
            "now": operator.clock.now(),
            "csrf": signer.csrf(request.cookies[COOKIE]),
            "user": session_user(request),
        }
        return templates.TemplateResponse(request, "order.html", context)

    def order_action(request: Request, csrf: str, action: Callable[[], views.OrderRow]) -> Response:
        cookie = request.cookies.get(COOKIE)
        if not signer.user(cookie) or not same(csrf, signer.csrf(cookie or "")):
            return Response("forbidden", status_code=403)
        try:
            row = action()
        except LookupError as exc:
            return RedirectResponse(f"/?msg={quote(str(exc))}", status_code=303)
        text = f"{row.amazon_order_id}: {row.shop_state}"
        if row.shop_reference:
            text += f" (shop order {row.shop_reference})"
        elif row.last_error:
            text += f" ({row.last_error})"
        return RedirectResponse(f"/?msg={quote(text)}", status_code=303)

    @app.post("/orders/{account}/{order_id}/retry")
    def retry(request: Request, account: str, order_id: str, csrf: str = Form("")) -> Response:
        return order_action(request, csrf, lambda: operator.retry(order_id, account))

    @app.post("/orders/{account}/{order_id}/park")
    def park(
        request: Request,
        account: str,
        order_id: str,
        csrf: str = Form(""),
        reason: str = Form("parked by hand"),
    ) -> Response:
        return order_action(
            request, csrf, lambda: operator.park(order_id, reason or "parked by hand", account)
        )

    return app
