"""The workbench's routes: sign-in (link, WeCom OAuth2, Telegram Mini App), sessions, pages.

Every page needs a live session (bot.workbench.signin); every POST carries the session's CSRF
token. The pages call the feature services, which apply the same role and object rules as
the chat.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.platforms.workbench import (
    broadcast_pages,
    event_forms,
    event_pages,
    faq_pages,
    hazard_pages,
    notice_pages,
    overview,
    people_pages,
    progress_pages,
    topic_pages,
)
from bot.platforms.workbench.render import page
from bot.platforms.workbench.wecom_signin import UserIdLookup
from bot.workbench import signin
from bot.workbench.initdata import InitDataRefused, telegram_user_id

log = logging.getLogger(__name__)

COOKIE = "juwei_session"
STATE_COOKIE = "juwei_oauth_state"
WECOM_AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"

Page = Callable[[Request, signin.WebSession], Awaitable[Response]]


class Workbench:
    def __init__(self, app: App, wecom_userid: UserIdLookup | None = None) -> None:
        self.app = app
        self.wecom_userid = wecom_userid
        self.secure = app.settings.public_url.startswith("https://")
        self.lang = app.settings.default_language

    # -- sessions ---------------------------------------------------------------------------

    def _signed_in(self, token: str, to: str = "/hazards") -> Response:
        response = RedirectResponse(to, status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="lax", secure=self.secure, path="/"
        )
        return response

    def _refused(self, key: str, status: int = 403) -> Response:
        return page("message.html", self.lang, status, session=None, message_key=key)

    def guarded(
        self, handler: Page, *, post: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = await signin.current(self.app, request.cookies.get(COOKIE))
            if session is None:
                if post:
                    return self._refused("workbench.signin.needed", 401)
                return RedirectResponse("/signin", status_code=303)
            if post:
                form = await request.form()
                token = form.get("csrf")
                if not signin.same_token(token if isinstance(token, str) else None, session.csrf):
                    return self._refused("workbench.csrf", 403)
            return await handler(request, session)

        return endpoint

    # -- signing in -------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        return page(
            "message.html", self.lang, 200, session=None, message_key="workbench.signin.how"
        )

    async def redeem(self, request: Request) -> Response:
        try:
            token = await signin.redeem_link(self.app, request.path_params["token"])
        except signin.SignInRefused as exc:
            return self._refused(exc.key)
        return self._signed_in(token)

    async def signout(self, request: Request, session: signin.WebSession) -> Response:
        await signin.end(self.app, request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def wecom(self, request: Request) -> Response:
        """The app's home page in WeCom: OAuth2 snsapi_base, then auth/getuserinfo."""
        settings = self.app.settings
        if self.wecom_userid is None or settings.wecom_corp_id is None:
            return self._refused("workbench.signin.no_wecom", 404)
        code = request.query_params.get("code")
        if code is None:
            state = secrets.token_hex(16)
            back = quote(settings.public_url + "/wecom", safe="")
            url = (
                f"{WECOM_AUTHORIZE}?appid={settings.wecom_corp_id}&redirect_uri={back}"
                f"&response_type=code&scope=snsapi_base&state={state}#wechat_redirect"
            )
            response = RedirectResponse(url, status_code=302)
            response.set_cookie(
                STATE_COOKIE, state, httponly=True, samesite="lax", secure=self.secure, max_age=600
            )
            return response
        given = request.query_params.get("state")
        if not signin.same_token(given, request.cookies.get(STATE_COOKIE, "")):
            return self._refused("workbench.signin.wecom_failed")
        userid = await self.wecom_userid(code)
        if userid is None:
            return self._refused("workbench.signin.wecom_failed")
        return await self._platform_user("wecom", userid, via="wecom")

    async def telegram_page(self, request: Request) -> Response:
        return page("telegram.html", self.lang, session=None)

    async def telegram(self, request: Request) -> Response:
        """The Mini App posts its initData here; only Telegram's signature makes it count."""
        settings = self.app.settings
        if settings.telegram_token is None:
            return self._refused("workbench.signin.telegram_failed", 404)
        form = await request.form()
        init_data = form.get("init_data")
        try:
            user_id = telegram_user_id(
                init_data if isinstance(init_data, str) else "",
                settings.telegram_token.get_secret_value(),
                self.app.clock.now(),
            )
        except InitDataRefused as exc:
            log.warning("Telegram Mini App sign-in refused: %s", exc)
            return self._refused("workbench.signin.telegram_failed")
        return await self._platform_user("telegram", user_id, via="telegram")

    async def _platform_user(self, platform: str, external_id: str, *, via: str) -> Response:
        user = await self.app.users.find(platform, external_id)
        if user is None or not signin.may_sign_in(user):
            return self._refused("workbench.signin.resident")
        token = await signin.open_session(self.app, user, via=via)
        response = self._signed_in(token)
        response.delete_cookie(STATE_COOKIE)
        return response

    # -- pages ------------------------------------------------------------------------------

    async def home(self, request: Request, session: signin.WebSession) -> Response:
        return await overview.overview(self.app, session)

    async def hazards(self, request: Request, session: signin.WebSession) -> Response:
        return await hazard_pages.hazard_list(self.app, request, session)

    async def hazard(self, request: Request, session: signin.WebSession) -> Response:
        done = request.query_params.get("done", "")
        return await hazard_pages.hazard_page(
            self.app, session, request.path_params["ref"], done=done
        )

    async def hazard_move(self, request: Request, session: signin.WebSession) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await hazard_pages.hazard_move(self.app, session, request.path_params["ref"], values)

    async def hazard_photo(self, request: Request, session: signin.WebSession) -> Response:
        return await hazard_pages.hazard_photo(
            self.app, session, request.path_params["ref"], request.path_params["n"]
        )

    async def hazard_export(self, request: Request, session: signin.WebSession) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "xlsx"):
            return Response(status_code=404)
        return await hazard_pages.hazard_export(self.app, request, session, fmt)

    async def events(self, request: Request, session: signin.WebSession) -> Response:
        past = bool(request.query_params.get("past"))
        return await event_pages.event_list(self.app, session, past=past)

    async def event(self, request: Request, session: signin.WebSession) -> Response:
        return await event_pages.event_page(self.app, session, request.path_params["id"])

    async def event_checkin(self, request: Request, session: signin.WebSession) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await event_pages.event_checkin(self.app, session, request.path_params["id"], values)

    async def event_roster(self, request: Request, session: signin.WebSession) -> Response:
        params = request.path_params
        return await event_pages.event_roster(self.app, session, params["id"], params["fmt"])

    async def event_ics(self, request: Request, session: signin.WebSession) -> Response:
        return await event_pages.event_ics(self.app, session, request.path_params["id"])

    async def event_new(self, request: Request, session: signin.WebSession) -> Response:
        return await event_forms.new_event_page(self.app, session)

    async def event_create(self, request: Request, session: signin.WebSession) -> Response:
        return await event_forms.create_event(self.app, session, await _event_form(request))

    async def event_edit(self, request: Request, session: signin.WebSession) -> Response:
        return await event_forms.edit_event_page(self.app, session, request.path_params["id"])

    async def event_update(self, request: Request, session: signin.WebSession) -> Response:
        form = await _event_form(request)
        return await event_forms.update_event(self.app, session, request.path_params["id"], form)

    async def faq(self, request: Request, session: signin.WebSession) -> Response:
        return await faq_pages.faq_page(self.app, session)

    async def faq_answer(self, request: Request, session: signin.WebSession) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await faq_pages.faq_answer(self.app, session, request.path_params["id"], values)

    async def people(self, request: Request, session: signin.WebSession) -> Response:
        done = request.query_params.get("done", "")
        return await people_pages.people_page(self.app, session, done=done)

    async def people_grant(self, request: Request, session: signin.WebSession) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await people_pages.people_grant(self.app, session, values)

    async def topics(self, request: Request, session: signin.WebSession) -> Response:
        return await topic_pages.topic_list(self.app, request, session)

    async def topic(self, request: Request, session: signin.WebSession) -> Response:
        return await topic_pages.topic_page(self.app, session, request.path_params["ref"])

    async def topic_review(self, request: Request, session: signin.WebSession) -> Response:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await topic_pages.topic_review(self.app, session, request.path_params["ref"], values)

    async def notices(self, request: Request, session: signin.WebSession) -> Response:
        return await notice_pages.notice_list(self.app, request, session)

    async def notice(self, request: Request, session: signin.WebSession) -> Response:
        return await notice_pages.notice_report(self.app, session, request.path_params["id"])

    async def compose(self, request: Request, session: signin.WebSession) -> Response:
        return await broadcast_pages.compose_page(self.app, session)

    async def compose_preview(self, request: Request, session: signin.WebSession) -> Response:
        return await broadcast_pages.preview(self.app, session, await _composed(request))

    async def compose_send(self, request: Request, session: signin.WebSession) -> Response:
        return await broadcast_pages.send(self.app, session, await _composed(request))

    async def meeting_cancel(self, request: Request, session: signin.WebSession) -> Response:
        return await notice_pages.cancel_meeting(self.app, session, request.path_params["id"])

    async def summer_pause(self, request: Request, session: signin.WebSession) -> Response:
        pause = request.path_params["action"] == "pause"
        return await notice_pages.pause_summer(self.app, session, pause)

    async def inspections(self, request: Request, session: signin.WebSession) -> Response:
        return await progress_pages.inspections_page(self.app, session)

    async def polls(self, request: Request, session: signin.WebSession) -> Response:
        return await progress_pages.polls_page(self.app, session)

    async def campaign_export(self, request: Request, session: signin.WebSession) -> Response:
        campaign_id = request.path_params["id"]
        return await progress_pages.campaign_export(self.app, session, campaign_id)

    async def poll_codes(self, request: Request, session: signin.WebSession) -> Response:
        params = request.path_params
        return await progress_pages.poll_codes(self.app, session, params["id"], params["fmt"])

    def routes(self) -> list[BaseRoute]:
        g = self.guarded
        static = resources.files("bot.workbench") / "static"
        return [
            Route("/", g(self.home)),
            Route("/signin", self.signin_page),
            Route("/signin/{token}", self.redeem),
            Route("/signout", g(self.signout, post=True), methods=["POST"]),
            Route("/wecom", self.wecom),
            Route("/telegram", self.telegram_page),
            Route("/telegram/signin", self.telegram, methods=["POST"]),
            Route("/hazards", g(self.hazards)),
            Route("/hazards/export.{fmt}", g(self.hazard_export)),
            Route("/hazards/{ref}", g(self.hazard)),
            Route("/hazards/{ref}/move", g(self.hazard_move, post=True), methods=["POST"]),
            Route("/hazards/{ref}/photos/{n:int}", g(self.hazard_photo)),
            Route("/events", g(self.events)),
            Route("/events/new", g(self.event_new)),
            Route("/events/new", g(self.event_create, post=True), methods=["POST"]),
            Route("/events/{id:int}", g(self.event)),
            Route("/events/{id:int}/edit", g(self.event_edit)),
            Route("/events/{id:int}/edit", g(self.event_update, post=True), methods=["POST"]),
            Route("/events/{id:int}/checkin", g(self.event_checkin, post=True), methods=["POST"]),
            Route("/events/{id:int}/roster.{fmt}", g(self.event_roster)),
            Route("/events/{id:int}/event.ics", g(self.event_ics)),
            Route("/topics", g(self.topics)),
            Route("/topics/{ref}", g(self.topic)),
            Route("/topics/{ref}/review", g(self.topic_review, post=True), methods=["POST"]),
            Route("/notices", g(self.notices)),
            Route("/notices/compose", g(self.compose)),
            Route("/notices/compose", g(self.compose_preview, post=True), methods=["POST"]),
            Route("/notices/compose/send", g(self.compose_send, post=True), methods=["POST"]),
            Route("/notices/{id:int}", g(self.notice)),
            Route(
                "/notices/meetings/{id:int}/cancel",
                g(self.meeting_cancel, post=True),
                methods=["POST"],
            ),
            Route(
                "/notices/summer/{action:str}",
                g(self.summer_pause, post=True),
                methods=["POST"],
            ),
            Route("/inspections", g(self.inspections)),
            Route("/inspections/{id:int}/progress.xlsx", g(self.campaign_export)),
            Route("/polls", g(self.polls)),
            Route("/polls/{id:int}/codes.{fmt}", g(self.poll_codes)),
            Route("/faq", g(self.faq)),
            Route("/faq/{id:int}/answer", g(self.faq_answer, post=True), methods=["POST"]),
            Route("/people", g(self.people)),
            Route("/people/grant", g(self.people_grant, post=True), methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(static)), name="static"),
        ]


async def _event_form(request: Request) -> event_forms.EventForm:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "committee"}
    chosen = [v for v in form.getlist("committee") if isinstance(v, str)]
    return event_forms.submitted(values, chosen)


async def _composed(request: Request) -> broadcast_pages.Composed:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    tags = [v for v in form.getlist("tag") if isinstance(v, str)]
    committees = [v for v in form.getlist("committee") if isinstance(v, str)]
    return broadcast_pages.composed(values, tags, committees)


def workbench_routes(app: App, wecom_userid: UserIdLookup | None = None) -> list[BaseRoute]:
    return Workbench(app, wecom_userid).routes()
