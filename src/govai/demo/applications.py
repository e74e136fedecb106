"""Two months of applications for the demo catalogue, so the lists and the process dashboards
(流程优化) of ``govai demo`` show a believable process.

Every application goes through the real workflow (:mod:`govai.scenarios.approval.applications`)
with backdated times: filed online by the applicant or at the window by the department's clerk,
pre-checked by the item's rule file, corrected and resubmitted days later, accepted, extended or
suspended, and decided by the reviewer of the item's department (the demo accounts). What
happens after the pre-check follows from what it answered, never from what the story intended:
an application written to be complete that comes back for correction waits for its correction,
and only a proposal the pre-check actually made can be overturned.

The stories, per item:

- 失业保险金 (人社局): mostly complete; missing the termination proof, not yet registered as
  unemployed or without the power of attorney (补正 → resubmitted); under a year of
  contributions, own resignation or already re-employed (refused 不予受理 as proposed, now and
  then approved on contributions found elsewhere: an overturn); a clerk who accepts without the
  proof because it came through the e-licence system (an overturn); a few with reason 其他 that
  the reviewer refuses after examination.
- 高龄津贴 (民政局, auto-approval allowed): 秒批 when complete; missing the household register
  or the agent's papers (补正, then approved by the machine on resubmission); under 80 or
  registered elsewhere (refused as proposed).
- 住房公积金提取 (公积金中心, promised 1 working day): loan repayment, purchase, rent,
  retirement …; rent under the city's 5 % (refused as proposed); a missing proof (now and then
  accepted without it, the loan having been checked with the bank: an overturn); the clock
  suspended for a 劳动能力鉴定; now and then a refusal after examination.
- 居住证 (公安局, promised 10 working days, the longest review): missing photo or proof of
  address; under six months in the city (refused, now and then approved on the social-insurance
  record: an overturn); some extended for a home visit (第四十二条).

Arrivals per day are random (more on working days, a few online at weekends); a handful of set
pieces make sure every dashboard figure has something to show whatever the dice said
(:meth:`_History.set_pieces`). The history ends when today's office hours begin (08:30 Beijing),
so no event lies in the future. What is still open then stays open: applications waiting for
their correction, some under review, two past their time limit and a few near it, one with its
clock stopped. The same ``today`` gives the same history (a fixed seed).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts import service as accounts
from govai.accounts.models import User
from govai.accounts.principal import Principal
from govai.approval.workdays import WorkCalendar
from govai.checkcodes import id_check_char
from govai.errors import ConfigError
from govai.governance import audit
from govai.platform import Platform
from govai.scenarios.approval import applications as apps
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import (
    NEEDS_CORRECTION,
    UNDER_REVIEW,
    Application,
    CatalogItem,
)
from govai.storage.base import BEIJING, utcnow

__all__ = ["DAYS", "DESKS", "load_demo_applications"]

log = logging.getLogger("govai.demo")

SEED = 20260301
DAYS = 60
OFFICE_OPENS = 8.5  # the history ends when today's office hours begin (Beijing)
UNEMPLOYMENT = "SF-SYBX-001"
ALLOWANCE = "SF-GLJT-001"
FUND = "SF-GJJTQ-001"
RESIDENCE = "SF-JZZ-001"
# item → (window clerk, reviewer): demo accounts of the item's department
DESKS: dict[str, tuple[str, str]] = {
    UNEMPLOYMENT: ("staff", "reviewer"),
    ALLOWANCE: ("mz-staff", "mz-reviewer"),
    FUND: ("gjj-staff", "gjj-reviewer"),
    RESIDENCE: ("gaj-staff", "gaj-reviewer"),
}
# applications a working day, per item (weekends: online only, a quarter of it)
PER_DAY = {UNEMPLOYMENT: 1.6, ALLOWANCE: 0.7, FUND: 1.5, RESIDENCE: 0.8}
EXTENSION_APPROVER = "示范市公安局分管副局长 韩卫东"  # 第四十二条: the head's approval
ONLINE_SHARE = {UNEMPLOYMENT: 0.55, ALLOWANCE: 0.4, FUND: 0.65, RESIDENCE: 0.3}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = {
    # (born before 1955, male)
    (True, True): "建国 国华 德明 振华 文斌 志刚 广顺 长林 树森 宝山 福生 玉林 永昌 德胜 金水 "
    "学文 春生 庆祥 德海 寿山",
    (True, False): "秀英 桂英 玉兰 淑珍 秀兰 凤英 桂兰 玉珍 素芬 翠兰 兰英 秀珍 桂芳 玉梅 淑英 "
    "凤兰 金凤 月娥 素琴 淑华",
    (False, True): "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 浩 宇 俊杰 志强 建华 海波 晓东 文杰 "
    "子豪 宇航 浩然 博文 建军 振宇 家豪 嘉伟 天宇",
    (False, False): "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 慧 颖 倩 晓燕 丽娟 海燕 晓丽 雅琴 欣怡 "
    "雨婷 梓涵 思雨 佳琪 诗涵 婉婷 梦瑶 静怡 文静",
}
LOCAL_REGIONS = ("370102", "370103", "370104", "370105", "370112")  # 示范市 (as the rule files)
OTHER_REGIONS = (
    "411522",
    "412726",
    "341221",
    "362427",
    "431023",
    "510722",
    "522121",
    "130684",
    "232301",
    "420116",
)


def _utc(day: date, hour: float) -> datetime:
    """The naive UTC instant of ``hour`` o'clock (Beijing) on ``day``."""
    return datetime.combine(day, time()) + timedelta(hours=hour) - BEIJING


def _day(at: datetime) -> date:
    return (at + BEIJING).date()


def _hour(at: datetime) -> float:
    local = at + BEIJING
    return local.hour + local.minute / 60


@dataclass
class _Plan:
    """One application's story: what is filed, and what the people involved would do."""

    code: str
    at: datetime  # submitted (naive UTC)
    online: bool
    application: dict[str, Any]
    fix: dict[str, Any] = field(default_factory=dict)  # resubmit(): fields, materials
    waive: str = ""  # the clerk accepts without the correction (an overturn), with this reason
    grant: str = ""  # the reviewer approves a proposed refusal (an overturn), with this reason
    refuse: str = ""  # the reviewer refuses after examination, with this reason
    review: tuple[int, int] = (1, 4)  # working days from acceptance to the decision
    suspend: str = ""  # the clock stops for this reason during review (第四十五条)
    extend: str = ""  # the time limit is extended for this reason during review (第四十二条)
    keep_open: bool = False  # nobody has decided it yet
    kind: str = "complete"  # what the story is about: complete, missing, ineligible, …


class _History:
    """The stories of the ``DAYS`` days before ``today``, and how they are played."""

    def __init__(self, today: date, calendar: WorkCalendar) -> None:
        self.rng = random.Random(f"{SEED}-{today.isoformat()}")
        self.today = today
        self.calendar = calendar
        self.cutoff = min(_utc(today, OFFICE_OPENS), utcnow())  # never in the future

    # ------------------------------------------------------------ people and times

    def person(self, born_from: date, born_to: date, regions: tuple[str, ...]) -> dict[str, str]:
        rng = self.rng
        male = rng.random() < 0.5
        born = born_from + timedelta(days=rng.randrange((born_to - born_from).days + 1))
        given = rng.choice(GIVEN[(born.year < 1955, male)].split())
        order = rng.randrange(1, 500) * 2 - (1 if male else 0)  # odd for a man (GB 11643)
        first17 = f"{rng.choice(regions)}{born:%Y%m%d}{order:03d}"
        phone = f"1{rng.choice('3589')}{rng.randrange(10)}{rng.randrange(10**8):08d}"
        return {
            "name": rng.choice(SURNAMES) + given,
            "id_number": first17 + id_check_char(first17),
            "phone": phone,
        }

    def adult(self, day: date, youngest: int, oldest: int, local: float) -> dict[str, str]:
        regions = LOCAL_REGIONS if self.rng.random() < local else OTHER_REGIONS
        return self.person(_years_before(day, oldest + 1), _years_before(day, youngest), regions)

    def office_time(self, day: date) -> datetime:
        """A moment of office hours (9:00–12:00, 13:30–17:30) on ``day``."""
        hour = self.rng.uniform(9, 16)
        return _utc(day, hour + 1.5 if hour >= 12 else hour)

    def online_time(self, day: date) -> datetime:
        return _utc(day, self.rng.uniform(7, 23.5))

    def office_after(self, after: datetime, workdays: int) -> datetime:
        """A moment in office hours ``workdays`` working days after ``after`` (0: later the
        same working day if the office is still open, else the next working day)."""
        day = _day(after)
        if workdays == 0 and self.calendar.is_workday(day) and _hour(after) < 16:
            start = max(after, _utc(day, 9))
            return start + timedelta(hours=self.rng.uniform(0.5, min(3.0, 17.5 - _hour(start))))
        later = self.office_time(self.calendar.add_workdays(day, max(1, workdays)))
        return max(later, after + timedelta(minutes=30))

    def applicant_after(self, after: datetime, online: bool) -> datetime:
        """When the applicant comes back with the correction: one to six days later."""
        day = _day(after) + timedelta(days=self.rng.randint(1, 6))
        if online:
            return self.online_time(day)
        return self.office_time(self.calendar.next_workday(day, inclusive=True))

    def workdays_before(self, n: int) -> date:
        """The working day from which ``n`` working days have passed by today (the day itself
        not counted, as a time limit counts from acceptance)."""
        day = self.today - timedelta(days=1)
        calendar = self.calendar
        while not (calendar.is_workday(day) and calendar.workdays_between(day, self.today) >= n):
            day -= timedelta(days=1)
        return day

    # ------------------------------------------------------------ the stories

    def unemployment(self, day: date, at: datetime, online: bool) -> _Plan:
        rng = self.rng
        applicant = self.adult(day, 22, 55, local=0.7)
        left = day - timedelta(days=rng.randint(4, 50))
        fields: dict[str, Any] = {
            "contribution_months": rng.choice((14, 60, 120)) + rng.randrange(0, 60 * 3),
            "separation_reason": rng.choice(
                (
                    "劳动合同期满终止",
                    "劳动合同期满终止",
                    "用人单位解除劳动合同",
                    "用人单位提出、双方协商一致解除劳动合同",
                    "用人单位提出、双方协商一致解除劳动合同",
                    "用人单位被依法宣告破产",
                    "因用人单位过错由本人解除劳动合同",
                )
            ),
            "separation_date": left.isoformat(),
            "registered_unemployed": True,
            "reemployed": False,
            "receiving_pension": False,
        }
        materials = ["居民身份证", "终止或者解除劳动关系的证明"]
        plan = _Plan(UNEMPLOYMENT, at, online, {}, review=(1, 3))
        story = rng.random()
        if story < 0.10:  # came without the termination proof
            plan.kind = "missing"
            materials.remove("终止或者解除劳动关系的证明")
            if rng.random() < 0.35:
                plan.waive = (
                    "终止劳动关系证明已通过人社业务系统电子证照库调取核验，免于提交纸质证明。"
                )
            else:
                plan.fix = {"materials": ["终止或者解除劳动关系的证明"]}
        elif story < 0.18:  # not registered as unemployed yet
            plan.kind = "missing"
            fields["registered_unemployed"] = False
            plan.fix = {"fields": {"registered_unemployed": True}}
        elif story < 0.22:  # a relative files it without the power of attorney
            plan.kind = "missing"
            fields["by_agent"] = True
            materials.append("受托人居民身份证")
            plan.fix = {"materials": ["授权委托书"]}
        elif story < 0.27:  # under a year of contributions
            plan.kind = "ineligible"
            fields["contribution_months"] = rng.randint(4, 11)
            if rng.random() < 0.35:
                plan.grant = (
                    "经核查，申请人在外省另有失业保险缴费记录，转移接续后累计缴费已满12个月，"
                    "符合领取条件。"
                )
        elif story < 0.32:  # left of their own will
            plan.kind = "ineligible"
            fields["separation_reason"] = rng.choice(
                ("本人辞职", "本人提出、双方协商一致解除劳动合同")
            )
        elif story < 0.34:  # already working again
            plan.kind = "ineligible"
            fields["reemployed"] = True
        elif story < 0.40:  # a reason the rules cannot judge
            plan.kind = "manual"
            fields["separation_reason"] = "其他"
            if rng.random() < 0.4:
                plan.refuse = (
                    "经向原用人单位核实，申请人系本人提出离职，不属于非因本人意愿中断就业，"
                    "不符合《失业保险条例》第十四条第二项规定的条件。"
                )
        plan.application = {"applicant": applicant, "fields": fields, "materials": materials}
        return plan

    def allowance(self, day: date, at: datetime, online: bool) -> _Plan:
        rng = self.rng
        oldest = 101 if rng.random() < 0.1 else 95
        elder = self.person(_years_before(day, oldest), _years_before(day, 80), LOCAL_REGIONS)
        fields: dict[str, Any] = {"registered_in_city": True, "receiving_elsewhere": False}
        materials = ["居民身份证", "户口簿", "本人银行账户信息"]
        plan = _Plan(ALLOWANCE, at, online, {}, review=(1, 3))
        if rng.random() < 0.45:  # filed by a son or daughter
            fields["by_agent"] = True
            materials += ["授权委托书", "代办人居民身份证"]
        story = rng.random()
        if story < 0.15:  # without the household register
            plan.kind = "missing"
            materials.remove("户口簿")
            plan.fix = {"materials": ["户口簿"]}
        elif story < 0.22 and fields.get("by_agent"):  # the agent forgot the power of attorney
            plan.kind = "missing"
            materials.remove("授权委托书")
            plan.fix = {"materials": ["授权委托书"]}
        elif story < 0.30:  # not yet 80: applied some months early
            plan.kind = "ineligible"
            elder = self.person(_years_before(day, 80) + timedelta(days=1), _years_before(day, 79),
                                LOCAL_REGIONS)  # fmt: skip
        elif story < 0.34:  # registered in another city
            plan.kind = "ineligible"
            fields["registered_in_city"] = False
        plan.application = {"applicant": elder, "fields": fields, "materials": materials}
        return plan

    def fund(self, day: date, at: datetime, online: bool) -> _Plan:
        rng = self.rng
        case = rng.choices(
            (
                "偿还购房贷款本息",
                "租赁住房",
                "购买自住住房",
                "离休、退休",
                "建造、翻建、大修自住住房",
                "完全丧失劳动能力并与单位终止劳动关系",
                "出境定居",
            ),
            weights=(36, 26, 20, 10, 3, 3, 2),
        )[0]
        proof = {
            "偿还购房贷款本息": "购房贷款合同和还款明细",
            "租赁住房": "房屋租赁合同和租金缴纳凭证",
            "购买自住住房": "购房合同或不动产权证书",
            "离休、退休": "离休、退休证明",
            "建造、翻建、大修自住住房": "建造、翻建、大修自住住房的批准文件",
            "完全丧失劳动能力并与单位终止劳动关系": "劳动能力鉴定结论和终止劳动关系证明",
            "出境定居": "出境定居证明",
        }[case]
        youngest, oldest = (60, 63) if case == "离休、退休" else (24, 56)
        applicant = self.adult(day, youngest, oldest, local=0.75)
        fields: dict[str, Any] = {"case": case}
        materials = ["居民身份证", proof]
        plan = _Plan(FUND, at, online, {}, review=(0, 1))
        if case == "租赁住房":
            income = rng.randrange(6000, 24000, 500)
            fields["household_income"] = income
            fields["monthly_rent"] = rng.randrange(int(income * 0.08), int(income * 0.3), 100)
            if rng.random() < 0.15:  # cheap rent: not over the city's 5 %
                plan.kind = "ineligible"
                fields["monthly_rent"] = rng.randrange(200, int(income * 0.05) + 1, 50)
        story = rng.random() if plan.kind == "complete" else 1.0
        if story < 0.12:  # the proof is missing
            plan.kind = "missing"
            materials.remove(proof)
            if case == "偿还购房贷款本息" and rng.random() < 0.4:
                plan.waive = "贷款合同和还款明细已通过商业银行数据接口核验，免于提交纸质材料。"
            else:
                plan.fix = {"materials": [proof]}
        elif story < 0.17 and case == "租赁住房":  # forgot the rent
            plan.kind = "missing"
            rent = fields.pop("monthly_rent")
            plan.fix = {"fields": {"monthly_rent": rent}}
        elif story < 0.21:
            plan.kind = "refused"
            plan.refuse = rng.choice(
                (
                    "经核查，所附证明材料载明的权利人与申请人不一致，且未能提供婚姻关系证明，"
                    "不符合《住房公积金管理条例》第二十四条规定的提取情形。",
                    "经核查，申请人本年度已按同一情形提取过住房公积金，不得重复提取。",
                )
            )
        if case == "完全丧失劳动能力并与单位终止劳动关系":
            plan.kind = "suspended" if plan.kind == "complete" else plan.kind
            plan.suspend = "劳动能力鉴定结论复核（鉴定）"
            plan.review = (1, 2)
        plan.application = {"applicant": applicant, "fields": fields, "materials": materials}
        return plan

    def residence(self, day: date, at: datetime, online: bool) -> _Plan:
        rng = self.rng
        student = rng.random() < 0.15
        applicant = (
            self.adult(day, 16, 22, local=0.0) if student else self.adult(day, 19, 48, local=0.0)
        )
        arrived = day - timedelta(days=rng.randint(200, 2400))
        employed = not student and rng.random() < 0.9
        fields: dict[str, Any] = {
            "hukou_in_city": False,
            "arrived_date": arrived.isoformat(),
            "employed": employed,
            "has_residence": rng.random() < 0.9 or not employed,
            "studying": student,
        }
        materials = ["居民身份证", "本人相片", "居住地住址证明"]
        materials += ["就业证明"] if employed else []
        materials += ["就读证明"] if student else []
        plan = _Plan(RESIDENCE, at, online, {}, review=(3, 7))
        story = rng.random()
        if story < 0.14:  # one paper short
            plan.kind = "missing"
            gone = rng.choice(materials[1:])
            materials.remove(gone)
            plan.fix = {"materials": [gone]}
        elif story < 0.20:  # not yet six months in the city
            plan.kind = "ineligible"
            fields["arrived_date"] = (day - timedelta(days=rng.randint(60, 170))).isoformat()
            if rng.random() < 0.4:
                plan.grant = (
                    "经核查社会保险缴费记录，申请人自登记日期前已在本市连续居住满半年，"
                    "申报的来本市日期填写有误，符合申领条件。"
                )
        elif story < 0.23:  # a local who does not need one
            plan.kind = "ineligible"
            fields["hukou_in_city"] = True
        elif story < 0.26:
            plan.kind = "extended"
            plan.extend = "需到居住地实地核查住所情况"
            plan.review = (9, 12)
        plan.application = {"applicant": applicant, "fields": fields, "materials": materials}
        return plan

    # ------------------------------------------------------------ the two months

    def plans(self) -> list[_Plan]:
        rng = self.rng
        stories: dict[str, Callable[[date, datetime, bool], _Plan]] = {
            UNEMPLOYMENT: self.unemployment,
            ALLOWANCE: self.allowance,
            FUND: self.fund,
            RESIDENCE: self.residence,
        }
        out: list[_Plan] = []
        for back in range(DAYS, 0, -1):
            day = self.today - timedelta(days=back)
            workday = self.calendar.is_workday(day)
            for code, rate in PER_DAY.items():
                expected = rate if workday else rate * ONLINE_SHARE[code] * 0.25
                for _ in range(_poisson(rng, expected)):
                    online = not workday or rng.random() < ONLINE_SHARE[code]
                    at = self.online_time(day) if online else self.office_time(day)
                    out.append(stories[code](day, at, online))
        out += self.set_pieces(stories)
        out.sort(key=lambda p: p.at)
        return out

    def set_pieces(
        self, stories: dict[str, Callable[[date, datetime, bool], _Plan]]
    ) -> list[_Plan]:
        """Stories the dashboards should always have, whatever the dice said: two overturns
        some weeks ago, and applications nobody has decided yet at set distances from today
        (two past their time limit, two near it — one only thanks to an extension —, one with
        its clock stopped, and two waiting for their correction)."""

        def at_window(
            code: str,
            workdays_ago: int,
            want: Callable[[_Plan], bool] = lambda plan: plan.kind == "complete",
            *,
            keep_open: bool = True,
            **how: Any,
        ) -> _Plan:
            """A story ``want`` accepts, filed at the window that many working days ago."""
            day = self.workdays_before(workdays_ago)
            at = self.office_time(day)
            plan = stories[code](day, at, False)
            while not want(plan):
                plan = stories[code](day, at, False)
            plan.keep_open = keep_open
            for key, value in how.items():
                setattr(plan, key, value)
            return plan

        def missing(plan: _Plan) -> bool:
            return plan.kind == "missing"

        return [
            at_window(UNEMPLOYMENT, 25, lambda plan: bool(plan.waive), keep_open=False),
            at_window(RESIDENCE, 30, lambda plan: bool(plan.grant), keep_open=False),
            at_window(UNEMPLOYMENT, 8),  # promised 5 working days: overdue
            at_window(RESIDENCE, 13),  # promised 10: overdue
            at_window(UNEMPLOYMENT, 3),  # 2 working days left
            at_window(RESIDENCE, 12, lambda plan: plan.kind == "extended"),  # 3 left, 5 more
            at_window(FUND, 4, lambda plan: plan.kind == "suspended"),  # stopped for a 鉴定
            at_window(UNEMPLOYMENT, 2, missing, fix={}, waive=""),  # wait for the applicants
            at_window(FUND, 1, missing, fix={}, waive=""),
        ]

    # ------------------------------------------------------------ playing them

    def play(self, session: Session, people: dict[str, Principal], plan: _Plan) -> Application:
        rng = self.rng
        clerk, reviewer = (people[name] for name in DESKS[plan.code])
        row = apps.submit(
            session,
            None if plan.online else clerk,
            plan.code,
            plan.application,
            channel="online" if plan.online else "console",
            today=_day(plan.at),
            now=plan.at,
        )
        last = plan.at
        if row.status == NEEDS_CORRECTION:
            if plan.waive:
                last = self.office_after(last, 0)
                if last >= self.cutoff:
                    return row
                apps.accept(session, clerk, row.id, reason=plan.waive, today=_day(last), now=last)
            elif plan.fix:
                online = plan.online and rng.random() < 0.8
                last = self.applicant_after(last, online)
                if last >= self.cutoff:
                    return row
                apps.resubmit(
                    session,
                    row.number,
                    row.query_code,
                    fields=plan.fix.get("fields"),
                    materials=plan.fix.get("materials", ()),
                    actor=None if online else clerk,
                    today=_day(last),
                    now=last,
                )
        if row.status != UNDER_REVIEW:
            return row  # waiting for a correction, or approved by the machine
        accepted = last
        if plan.suspend:
            last = self.office_after(last, 1)
            if last >= self.cutoff:
                return row
            apps.suspend(session, reviewer, row.id, reason=plan.suspend, now=last)
            last = self.office_after(last, rng.randint(3, 6))
            if last >= self.cutoff or plan.keep_open:
                return row
            apps.resume(session, reviewer, row.id, now=last)
        if plan.extend:
            last = self.office_after(accepted, max(1, (row.limit_days or 1) - 1))
            if last >= self.cutoff:
                return row
            apps.extend(
                session,
                reviewer,
                row.id,
                days=5,
                reason=plan.extend,
                approved_by=EXTENSION_APPROVER,
                now=last,
            )
        if plan.keep_open:
            return row
        when = self.office_after(accepted, rng.randint(*plan.review))
        if when <= last:
            when = self.office_after(last, 0)
        if when >= self.cutoff and row.due_on is not None and _day(when) > row.due_on:
            # still open today: the reviewer keeps to the time limit
            when = max(self.office_time(row.due_on), self.office_after(last, 0))
        if when >= self.cutoff:
            return row
        self.decide(session, reviewer, row, plan, when)
        return row

    def decide(
        self, session: Session, reviewer: Principal, row: Application, plan: _Plan, when: datetime
    ) -> None:
        report: dict[str, Any] = dict(row.precheck or {})
        if row.precheck_outcome == "denied":
            if plan.grant:
                apps.decide(session, reviewer, row.id, approve=True, reason=plan.grant, now=when)
                return
            unmet = report.get("unmet_conditions") or []
            reason = "".join(str(u["reason"]) for u in unmet if not u.get("fixable"))
            apps.decide(
                session,
                reviewer,
                row.id,
                approve=False,
                reason=reason or "经审查，不符合受理条件。",
                not_accepted=True,
                now=when,
            )
            return
        if plan.refuse:
            apps.decide(session, reviewer, row.id, approve=False, reason=plan.refuse, now=when)
            return
        apps.decide(session, reviewer, row.id, approve=True, reason=_approval(row), now=when)


def _approval(row: Application) -> str:
    """The reviewer's note on an approval, from the values the rule file computed."""
    report: dict[str, Any] = dict(row.precheck or {})
    values: dict[str, Any] = dict(report.get("values") or {})
    if "max_months" in values:
        return f"经审核，符合领取条件，核定领取失业保险金最长{values['max_months']}个月。"
    if values.get("grounds"):
        return f"经审核，符合{'、'.join(map(str, values['grounds']))}条件，准予办理居住证。"
    if row.item.code == FUND:
        return f"经审核，证明材料与提取情形（{row.fields.get('case', '')}）一致，准予提取。"
    return "经审核，符合条件，准予办理。"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by counting exponential gaps (the standard library has none)."""
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def load_demo_applications(
    platform: Platform, actor: Principal, *, today: date | None = None
) -> int:
    """Write the demo's application history for the ``DAYS`` days before ``today`` (default:
    today in Beijing) through the real workflow; returns how many applications were written.

    Skipped (0) when the demo items already have applications, or when the working-day calendar
    lacks a year the history needs (the administrator enters it with `govai calendar set`)."""
    today = today or apps.beijing_today()
    with platform.db.session() as session:
        taken = session.execute(
            select(Application.id)
            .join(CatalogItem, Application.item_id == CatalogItem.id)
            .where(CatalogItem.code.in_(DESKS))
            .limit(1)
        ).first()
        if taken is not None:
            return 0
    try:
        with platform.db.session() as session:
            for code in DESKS:
                catalog.get_item(session, code)  # the catalogue comes first (load_demo_catalog)
            users = session.execute(
                select(User).where(User.username.in_({n for pair in DESKS.values() for n in pair}))
            ).scalars()
            people = {u.username: accounts.principal_for(u, via="session") for u in users}
            history = _History(today, catalog.calendar(session))
            plans = history.plans()
            for plan in plans:
                history.play(session, people, plan)
            audit.record(
                session,
                "demo.applications",
                actor=actor,
                object_type="application",
                summary=f"载入示范办件 {len(plans)} 件（{today.isoformat()} 前 {DAYS} 天）",
            )
    except ConfigError as exc:
        log.warning("示范办件未载入：%s", exc)
        return 0
    return len(plans)
