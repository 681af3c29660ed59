"""The composition root: `create_app(settings)` builds the whole application and connects nothing
until the server starts it (the lifespan below)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from redis.asyncio import Redis

from contest import i18n, web
from contest.accounts.ratelimit import LoginLimiter
from contest.accounts.routes import account_routes
from contest.accounts.sessions import SessionStore, session_middleware
from contest.contests.routes import contest_setup_routes
from contest.db import provide_db
from contest.games.routes import game_routes
from contest.health import healthz
from contest.logs import configure_logging, request_log_middleware
from contest.org.routes import org_routes
from contest.play.routes import play_routes
from contest.play.service import finish_overdue
from contest.privacy.retention import keep_purging
from contest.privacy.routes import privacy_routes
from contest.progress.routes import progress_routes
from contest.reports.routes import report_routes
from contest.leaderboards.live import ChangeNotifier
from contest.leaderboards.routes import leaderboard_routes
from contest.leaderboards.standings import BoardUpdater, rebuild_missing_boards
from contest.resources import open_resources, redis_url_of
from contest.security import security_headers
from contest.settings import Settings
from questions.routes import question_routes
from questions.transfer_routes import transfer_routes

MAX_REQUEST_BODY = 8 * 1024 * 1024  # the largest upload we take (CSV rosters, question files)


SWEEP_SECONDS = 30


async def finish_overdue_attempts(resources) -> None:
    """Every so often, finish attempts whose time ran out while their pupil was away (any instance may)."""
    while True:  # at start-up first: attempts that ran out while the app was down are finished at once
        try:
            async with resources.sessionmaker() as db:
                await finish_overdue(db)
        except Exception:  # a database hiccup must not end the loop; the next sweep catches up
            logging.getLogger("hoithi.sweeper").exception("sweeping overdue attempts failed")
        await asyncio.sleep(SWEEP_SECONDS)


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.engine = resources.engine
            app.state.sessionmaker = resources.sessionmaker
            app.state.redis = resources.redis
            app.state.sessions = SessionStore(
                resources.redis, settings.session_idle_seconds, settings.session_absolute_seconds
            )
            app.state.login_limiter = LoginLimiter(resources.redis)
            app.state.notifier = ChangeNotifier(channels)
            app.state.board_updater = BoardUpdater(resources.redis, resources.sessionmaker, app.state.notifier.changed)
            app.state.answer_listeners.append(app.state.board_updater)
            sweeper = asyncio.create_task(finish_overdue_attempts(resources))
            purger = asyncio.create_task(keep_purging(resources.sessionmaker, resources.redis, settings.retention_days))
            try:
                yield
            finally:
                sweeper.cancel()
                purger.cancel()
                await app.state.board_updater.stop()

    i18n.load_catalogs()
    # Channels connects when the app starts, after the lifespan above has the Redis server running.
    channels = ChannelsPlugin(backend=RedisChannelsPubSubBackend(redis=Redis.from_url(redis_url_of(settings))),
                              arbitrary_channels_allowed=True, create_ws_route_handlers=False)

    async def start_live_updates(app: Litestar) -> None:
        app.state.notifier.start()
        await rebuild_missing_boards(app)

    async def stop_live_updates(app: Litestar) -> None:
        await app.state.notifier.stop()

    return Litestar(
        plugins=[channels],
        on_startup=[start_live_updates],
        on_shutdown=[stop_live_updates],
        route_handlers=[healthz, web.static_router(), *account_routes, *org_routes, *question_routes, *transfer_routes,
                        *play_routes, *leaderboard_routes, *contest_setup_routes, *progress_routes, *privacy_routes,
                        *report_routes, *game_routes],
        lifespan=[lifespan],
        # answer_listeners: what hears of each committed answer (the leaderboards add themselves).
        state=State({"settings": settings, "answer_listeners": []}),
        dependencies={"db": Provide(provide_db)},
        middleware=[request_log_middleware, session_middleware, i18n.i18n_middleware],
        before_send=[security_headers(settings)],  # every response, errors and static files too
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="hoithi_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=["^/static/"],  # publicly cacheable files must not carry anyone's token cookie
        ),
        template_config=web.template_config(),
        compression_config=CompressionConfig(backend="gzip", minimum_size=512),
        exception_handlers={
            HTTPException: web.http_exception_handler,
            Exception: web.internal_error_handler,
        },
        openapi_config=OpenAPIConfig(title="Hoithi API", version="1", path="/api/schema"),
        request_max_body_size=MAX_REQUEST_BODY,
        logging_config=None,  # contest.logs configures logging (JSON lines)
        debug=settings.debug,
    )


def app_from_env() -> Litestar:
    """Factory for ASGI servers (`uvicorn --factory contest.app:app_from_env`).

    Each worker process calls it, so it sets up the JSON logs: workers do not inherit the parent's."""
    configure_logging()
    return create_app(Settings.from_env())
