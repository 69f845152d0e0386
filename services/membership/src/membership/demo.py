"""Deterministic demo federation for a Shanghai-like city: districts, branches and members
with realistic Chinese names, checksum-valid (but fictional) resident IDs and mobile
numbers. Same seed, same data, so demos and screenshots are reproducible."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from membership.domain.model import INDUSTRIES, Branch, BranchKind, BranchStatus, District, EmploymentType
from membership.domain.national_id import make_test_national_id

__all__ = ["INDUSTRIES", "DemoBranch", "DemoMember", "demo_branches", "demo_districts", "demo_members"]

DEMO_AS_OF = date(2026, 1, 1)  # a fixed "today" keeps output independent of the clock

# code, name, resident-ID region code, streets/towns that host joint branches
_DISTRICTS = (
    ("huangpu", "黄浦区", "310101", ("南京东路街道", "外滩街道")),
    ("xuhui", "徐汇区", "310104", ("田林街道", "漕河泾街道")),
    ("pudong", "浦东新区", "310115", ("张江镇", "陆家嘴街道")),
    ("minhang", "闵行区", "310112", ("七宝镇", "莘庄镇")),
    ("jiading", "嘉定区", "310114", ("南翔镇", "安亭镇")),
    ("songjiang", "松江区", "310117", ("九亭镇", "泗泾镇")),
)
# fmt: off
# Counties that send many migrant workers to Shanghai (Anhui, Henan, Jiangsu, Sichuan, ...).
_HOME_REGIONS = ["340121", "341221", "411526", "320321", "510722", "421127", "360121", "370826", "330327",
                 "500235"]
_BRANDS = ["恒通", "华誉", "申达", "浦江", "锦程", "宏远", "新锐", "海纳", "明德", "康泰", "盛源", "联创",
           "瑞丰", "永信", "天裕", "东昇", "金桥", "嘉禾", "润华", "志远", "中鼎", "凯盛", "博睿", "安捷",
           "新源", "汇通", "广益", "立信", "德尚", "银河", "长江", "云帆", "信达", "卓越", "宝隆", "沪光"]
_BUSINESS = {
    "manufacturing": ("精密机械有限公司", "汽车零部件有限公司", "电子科技有限公司", "新材料有限公司"),
    "construction": ("建设工程有限公司", "建筑安装工程有限公司"),
    "logistics": ("物流有限公司", "供应链管理有限公司", "货运有限公司"),
    "catering": ("餐饮管理有限公司", "酒店管理有限公司"),
    "retail": ("商贸有限公司", "超市连锁有限公司"),
    "it": ("信息技术有限公司", "软件有限公司", "网络科技有限公司"),
    "finance": ("融资租赁有限公司", "保险代理有限公司"),
    "sanitation": ("环境卫生服务有限公司",),
    "property": ("物业管理有限公司", "物业服务有限公司"),
}
_JOINT_INDUSTRY = (("快递外卖行业", "platform"), ("网约车行业", "platform"), ("物业服务行业", "property"),
                   ("餐饮行业", "catering"), ("建筑业农民工", "construction"))
_MANUAL_INDUSTRIES = {"manufacturing", "construction", "logistics", "catering", "retail", "sanitation",
                      "property"}
_SHOPS = ("便利店", "汽修服务部", "餐饮店", "美发店", "五金商行", "装饰工作室")
_PLATFORM_JOBS = ("即时配送站", "同城货运服务部", "网约车服务站")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
    "钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严"
)
_MALE = "伟强磊军洋勇杰涛明超刚建文辉鹏飞斌宇浩凯俊海波志国荣亮成龙东峰鑫健华平"
_FEMALE = "芳娜敏静丽艳娟秀霞桂英玉萍红丹婷雪琳晨欣怡涵思雨佳梅兰燕晓颖慧"
_MINORITY = ("阿卜杜·热合曼", "买买提·艾力", "古丽娜尔·吐尔逊", "扎西·顿珠", "阿依努尔·托合提")
_MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                    "155", "156", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186", "187",
                    "188", "189", "191", "199"]
# Shares roughly as in a large city's membership: a quarter migrant, one in eight flexible.
_EMPLOYMENT_WEIGHTS = {
    EmploymentType.REGULAR: 48, EmploymentType.MIGRANT: 25, EmploymentType.FLEXIBLE: 12,
    EmploymentType.DISPATCHED: 7, EmploymentType.LAID_OFF: 3, EmploymentType.OTHER: 5,
}
# fmt: on


@dataclass(frozen=True)
class DemoBranch:
    branch_id: str
    name: str
    kind: BranchKind
    industry: str
    district: str
    auto_approve: bool
    established_on: date

    def to_branch(self) -> Branch:
        return Branch(status=BranchStatus.ACTIVE, **dataclasses.asdict(self))


@dataclass(frozen=True)
class DemoMember:
    name: str
    national_id: str = field(repr=False)
    phone: str = field(repr=False)
    employer: str
    employment_type: EmploymentType
    branch_id: str
    district: str
    industry: str
    joined_on: date


def demo_districts() -> list[District]:
    return [District(code, name) for code, name, _, _ in _DISTRICTS]


def demo_branches(seed: int = 7) -> list[DemoBranch]:
    rng = random.Random(seed)
    brands = rng.sample(_BRANDS, len(_BRANDS))
    out: list[DemoBranch] = []

    def add(name: str, kind: BranchKind, industry: str, district: str, since: tuple[int, int]) -> None:
        founded = _random_date(rng, date(since[0], 1, 1), date(since[1], 12, 31))
        auto = kind is not BranchKind.ENTERPRISE or rng.random() < 0.3  # joint branches take anyone
        branch_id = f"{district}-b{sum(b.district == district for b in out) + 1:03d}"
        out.append(DemoBranch(branch_id, name, kind, industry, district, auto, founded))

    for i, (code, zh, _, towns) in enumerate(_DISTRICTS):
        numeral = "一二三四五六七八九"[i % 9]
        for _ in range(5):
            industry = rng.choice(list(_BUSINESS))
            name = f"上海{brands.pop()}{rng.choice(_BUSINESS[industry])}工会"
            add(name, BranchKind.ENTERPRISE, industry, code, (1985, 2020))
        add(f"{zh}中心医院工会", BranchKind.ENTERPRISE, "healthcare", code, (1980, 2000))
        add(f"{zh}第{numeral}中学工会", BranchKind.ENTERPRISE, "education", code, (1980, 2000))
        town = rng.choice(towns)
        add(f"{zh}{town}小微企业联合工会", BranchKind.JOINT_REGIONAL, "retail", code, (2010, 2020))
        for label, industry in (_JOINT_INDUSTRY[0], _JOINT_INDUSTRY[1 + i % 4]):
            add(f"{zh}{label}联合工会", BranchKind.JOINT_INDUSTRY, industry, code, (2016, 2023))
    return out


def demo_members(branches: Sequence[DemoBranch], n: int, seed: int = 7) -> Iterator[DemoMember]:
    rng = random.Random(seed)
    if not branches:
        raise ValueError("demo members need at least one branch")
    enterprise = [b for b in branches if b.kind is BranchKind.ENTERPRISE] or list(branches)
    joint = [b for b in branches if b.kind is not BranchKind.ENTERPRISE] or list(branches)
    manual = [b for b in enterprise if b.industry in _MANUAL_INDUSTRIES] or enterprise
    regions = {code: region for code, _, region, _ in _DISTRICTS}
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    types, weights = list(_EMPLOYMENT_WEIGHTS), list(_EMPLOYMENT_WEIGHTS.values())
    for _ in range(n):
        etype = rng.choices(types, weights)[0]
        # Gig workers join through joint branches (a few others do too); migrants mostly do manual work.
        if etype is EmploymentType.FLEXIBLE or rng.random() < 0.15:
            branch = rng.choice(joint)
        else:
            branch = rng.choice(manual if etype is EmploymentType.MIGRANT else enterprise)
        male = rng.random() < 0.55
        oldest, youngest = (1965, 1980) if etype is EmploymentType.LAID_OFF else (1965, 2004)
        born = _random_date(rng, date(oldest, 1, 1), date(youngest, 12, 31))
        local = etype is not EmploymentType.MIGRANT and rng.random() < 0.7
        region = regions.get(branch.district, "310101") if local else rng.choice(_HOME_REGIONS)
        nid = _unique_national_id(rng, seen_ids, region, born, male)
        phone = _unique_phone(rng, seen_phones)
        joined = _random_date(rng, max(branch.established_on, _add_years(born, 18)), DEMO_AS_OF)
        yield DemoMember(
            _name(rng, male),
            nid,
            phone,
            _employer(rng, branch),
            etype,
            branch.branch_id,
            branch.district,
            branch.industry,
            joined,
        )


def _name(rng: random.Random, male: bool) -> str:
    if rng.random() < 0.01:
        return rng.choice(_MINORITY)
    given = _MALE if male else _FEMALE
    return rng.choice(_SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def _employer(rng: random.Random, branch: DemoBranch) -> str:
    if branch.kind is BranchKind.ENTERPRISE:
        return branch.name.removesuffix("工会")
    if branch.industry == "platform":
        return f"上海{rng.choice(_BRANDS)}{rng.choice(_PLATFORM_JOBS)}"
    return f"上海{rng.choice(_BRANDS)}{rng.choice(_SHOPS)}"


def _unique_national_id(rng: random.Random, seen: set[str], region: str, born: date, male: bool) -> str:
    # The seventeenth digit is odd for men and even for women, as on real IDs.
    nid = make_test_national_id(region, born, rng.randrange(500) * 2 + male)
    while nid in seen:  # the same region and birthday twice: draw another sequence number
        nid = make_test_national_id(region, born, rng.randrange(500) * 2 + male)
    seen.add(nid)
    return nid


def _unique_phone(rng: random.Random, seen: set[str]) -> str:
    phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    while phone in seen:
        phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    seen.add(phone)
    return phone


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=28 if (day.month, day.day) == (2, 29) else day.day)
