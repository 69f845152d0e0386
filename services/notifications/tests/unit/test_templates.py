"""Every template renders in both languages from the parameters routing gives it; what a member
or officer wrote stays text (escaped in HTML), and the sandbox refuses a template author's tricks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from jinja2.exceptions import SecurityError, UndefinedError
from notifications.adapters.templates import TEMPLATES, Renderer, UnknownTemplate
from notifications.domain.routing import DIGEST_TEMPLATE, Route, routes_for
from unionfed_events import assistance as aev
from unionfed_events import campaigns as cev
from unionfed_events import membership as mev

NAME = "张三丰"
BRANCHES = {"b-1": "徐汇区建工集团工会", "b-2": "徐汇区城建工会"}
NOW = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
CASE = uuid4()


def _trail() -> list[aev.ApprovalStep]:
    return [
        aev.ApprovalStep(
            level=aev.ApprovalLevel.BRANCH, decision=aev.Decision.REQUESTED, actor="a", actor_role="m", at=NOW
        )
    ]


def sample_events(free_text: str = "材料不全，请补充收入证明") -> list[object]:
    """One event of each kind that routes somewhere, with realistic values."""
    m, d = uuid4(), "xuhui"
    return [
        mev.MemberJoined(
            member_id=m,
            card_number="XH-000123",
            name=NAME,
            branch_id="b-1",
            district=d,
            industry="建筑",
            employment_type=mev.EmploymentType.MIGRANT,
            joined_on=date(2026, 3, 1),
            channel=mev.JoinChannel.OFFICER,
            national_id_masked="1101**********1234",
        ),
        mev.MemberTransferred(
            member_id=m,
            card_number="XH-000123",
            from_branch_id="b-1",
            from_district=d,
            to_branch_id="b-2",
            to_district=d,
            transferred_on=date(2026, 3, 2),
        ),
        mev.MemberLeft(
            member_id=m, branch_id="b-1", district=d, reason=mev.LeaveReason.RETIRED, left_on=date(2026, 3, 3)
        ),
        aev.AidRequested(
            case_id=CASE,
            member_id=m,
            aid_type=aev.AidType.MEDICAL,
            amount_yuan=Decimal("3000.00"),
            district=d,
            branch_id="b-1",
            requested_on=date(2026, 3, 1),
            levels=[aev.ApprovalLevel.BRANCH],
            trail=_trail(),
        ),
        aev.AidApproved(
            case_id=CASE,
            member_id=m,
            district=d,
            branch_id="b-1",
            level=aev.ApprovalLevel.BRANCH,
            approved_amount_yuan=Decimal("2500.00"),
            next_level=aev.ApprovalLevel.DISTRICT,
            trail=_trail(),
        ),
        aev.AidCaseEscalated(
            case_id=CASE,
            district=d,
            branch_id="b-1",
            from_level=aev.ApprovalLevel.DISTRICT,
            to_level=aev.ApprovalLevel.FEDERATION,
            waiting_since=NOW,
        ),
        aev.AidGranted(
            case_id=CASE,
            member_id=m,
            aid_type=aev.AidType.MEDICAL,
            amount_yuan=Decimal("1200.50"),
            district=d,
            branch_id="b-1",
            fund="xuhui:2026:medical",
            budget_year=2026,
            trail=_trail(),
        ),
        aev.AidRejected(
            case_id=CASE,
            member_id=m,
            district=d,
            branch_id="b-1",
            level=aev.ApprovalLevel.DISTRICT,
            reason=free_text,
            trail=_trail(),
        ),
        aev.AidReturned(
            case_id=CASE,
            member_id=m,
            district=d,
            branch_id="b-1",
            level=aev.ApprovalLevel.BRANCH,
            comment=free_text,
            trail=_trail(),
        ),
        aev.AidDisbursed(
            case_id=CASE,
            member_id=m,
            district=d,
            amount_yuan=Decimal("1200.50"),
            disbursed_on=date(2026, 3, 9),
            channel=aev.DisbursementChannel.BANK_TRANSFER,
            batch_id=None,
        ),
        cev.HonourAwarded(
            honour=cev.Honour.MAY_DAY_MEDAL, recipient_id=str(m), district=d, awarded_on=date(2026, 5, 1)
        ),
        cev.ParticipantEnrolled(
            campaign_id=uuid4(), member_id=m, district=d, branch_id="b-1", from_waiting_list=True
        ),
        cev.ParticipantWaitlisted(campaign_id=uuid4(), member_id=m, district=d, position=12),
    ]


def render_params(route: Route) -> dict[str, object]:
    """What the dispatcher gives the renderer: the stored parameters, branch names, the name."""
    params = dict(route.params) | {k: BRANCHES[b] for k, b in route.branch_names.items()}
    return params | ({"name": NAME} if route.member_id else {})


def sample_routes(free_text: str = "材料不全，请补充收入证明") -> list[Route]:
    return [r for e in sample_events(free_text) for r in routes_for(e)]  # type: ignore[arg-type]


def digest_params() -> dict[str, object]:
    alert = next(r for r in sample_routes() if r.officers)
    item = {"template": alert.template, "params": render_params(alert), "at": NOW.isoformat()}
    return {"items": [item, item], "count": 2, "since": NOW.isoformat(), "until": NOW.isoformat()}


def test_every_template_file_set_is_complete_in_both_languages() -> None:
    names = {p.name.split(".")[0] for p in Path(TEMPLATES, "zh").glob("*.j2") if not p.name.startswith("_")}
    for language in ("zh", "en"):
        for name in names:
            for part in ("subject", "txt", "html"):
                assert Path(TEMPLATES, language, f"{name}.{part}.j2").exists(), (language, name, part)
    routed = {r.template for r in sample_routes()} | {DIGEST_TEMPLATE}
    assert routed <= names
    assert len(routed) == 13


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_routed_template_renders_with_its_parameters(language: str) -> None:
    renderer = Renderer()
    for route in sample_routes():
        rendered = renderer.render(route.template, language, render_params(route))
        assert rendered.subject and rendered.text and rendered.html.startswith("<p>"), route.template
        if route.member_id:
            assert NAME in rendered.text
    digest = renderer.render(DIGEST_TEMPLATE, language, digest_params())
    assert digest.html.count("<li>") == 2


def test_chinese_short_text_fits_one_sms() -> None:
    renderer = Renderer()
    long_text = "申请材料中的收入证明与社保记录不一致，请重新开具并由单位盖章后再次提交"
    for route in sample_routes(long_text):
        text = renderer.render(route.template, "zh", render_params(route)).text
        assert len(text) <= 70, (route.template, len(text), text)
    assert len(renderer.render(DIGEST_TEMPLATE, "zh", digest_params()).text) <= 70


def test_babel_formats_money_dates_and_times_per_locale_and_zone() -> None:
    granted = next(r for r in sample_routes() if r.template == "aid_decision_granted")
    zh = Renderer().render(granted.template, "zh", render_params(granted))
    en = Renderer().render(granted.template, "en", render_params(granted))
    assert "¥1,200.50" in zh.text and "CN¥1,200.50" in en.text
    alert = next(r for r in sample_routes() if r.params.get("why") == "escalated")
    shanghai = Renderer().render(alert.template, "en", render_params(alert))
    london = Renderer().render(alert.template, "en", render_params(alert), timezone="Europe/London")
    assert "10:30:00" in shanghai.html and "2:30:00" in london.html  # 02:30 UTC is 10:30 in Shanghai
    welcome = Renderer().render("welcome", "zh", render_params(sample_routes()[0]))
    assert "2026年3月1日" in welcome.html


HOSTILE = ["{{ 7*7 }}", "<script>alert(1)</script>", "{% raw %}x{% endraw %}", "{{ ''.__class__ }}"]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_free_text_is_data_never_template_code(hostile: str, language: str) -> None:
    rejected = next(r for r in sample_routes(hostile) if r.template == "aid_decision_rejected")
    params = render_params(rejected) | {"name": hostile}
    rendered = Renderer().render(rejected.template, language, params)
    # 7*7 evaluated would show as 49 on its own; the application's random reference (hex) may hold it.
    assert not re.search(r"(?<![0-9a-f])49(?![0-9a-f])", rendered.html + rendered.text + rendered.subject)
    assert "<script>" not in rendered.html
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    assert escaped in rendered.html  # the reason in full, as text
    assert hostile in rendered.subject + rendered.text  # plain parts: the same characters, unevaluated


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ name.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ ''.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_attribute_tricks(source: str) -> None:
    env = Renderer().environment
    with pytest.raises((SecurityError, UndefinedError)):
        env.from_string(source).render(name="x", _locale="zh_CN", _zone="Asia/Shanghai")


def test_a_missing_parameter_or_template_fails_loudly() -> None:
    with pytest.raises(UndefinedError):
        Renderer().render("welcome", "zh", {"name": NAME})
    with pytest.raises(UnknownTemplate):
        Renderer().render("no_such_template", "zh", {})


def test_an_unknown_language_falls_back_to_chinese() -> None:
    route = sample_routes()[0]
    assert "欢迎" in Renderer().render(route.template, "fr", render_params(route)).subject
