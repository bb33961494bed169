"""Leads as an API client sends them, the same for a given number on every run, and search
terms drawn from them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东"]
CITIES = ["北京", "上海", "深圳", "杭州", "成都", "广州", "南京", "武汉"]
BRANDS = ["华信", "远航", "星辰", "科达", "恒通", "金石", "云帆", "博源", "中联", "新锐"]
TRADES = ["科技", "贸易", "制造", "咨询", "物流"]
TITLES = ["销售经理", "采购经理", "总经理", "IT 主管", "市场总监", "财务经理", "工程师",
          "运营专员", None]
PREFIXES = ["138", "139", "150", "186", "188", "135"]
DOMAINS = ["qq.com", "163.com", "Example.COM", "company.cn", "outlook.com"]
SOURCES = ["website", "website", "wechat", "event", "douyin", "ads", "referral"]
STAGES = ["new", "new", "new", "contacted", "contacted", "qualified", "won", "lost"]
NOTES = ["客户对{p}很感兴趣，{m} 月份再联系。", "已发送{p}报价，等待对方采购流程。",
         "展会上认识，关注{p}的价格。", "电话沟通过一次，需求是{p}。", None, None]
PRODUCTS = ["产品 A", "产品 B", "咨询服务", "年度订阅"]
START = date(2026, 1, 1)


def lead(number: int) -> dict:
    """Lead ``number``: phones typed with spaces, dates and amounts as text, as in the API."""
    rng = random.Random(number)
    note = rng.choice(NOTES)
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "company": rng.choice(CITIES) + rng.choice(BRANDS) + rng.choice(TRADES) + "有限公司",
        "job_title": rng.choice(TITLES),
        "phone": f"{rng.choice(PREFIXES)} {rng.randrange(10000):04d} {rng.randrange(10000):04d}",
        "email": f"lead{number}@{rng.choice(DOMAINS)}",
        "source": rng.choice(SOURCES),
        "stage": rng.choice(STAGES),
        "employees": int(rng.paretovariate(1.2) * 10),
        "budget": f"{rng.randrange(1000, 10**8) / 100:.2f}",
        "next_follow_up": None if rng.random() < 0.2 else
        (START + timedelta(days=rng.randrange(365))).isoformat(),
        "opted_in": rng.random() < 0.6,
        "notes": note and note.format(p=rng.choice(PRODUCTS), m=rng.randrange(1, 13)),
    }


def chunks(first: int, count: int, size: int = 1000) -> Iterator[list[dict]]:
    """Leads ``first`` .. ``first + count - 1`` in lists of ``size``."""
    for start in range(first, first + count, size):
        yield [lead(n) for n in range(start, min(start + size, first + count))]


def search_terms(rows: int, count: int = 60, seed: int = 11) -> list[str]:
    """What people type into the search box: names, company names, phone digits (as stored,
    no spaces), e-mail local parts, each taken from a lead that exists."""
    rng = random.Random(seed)
    terms = []
    for i in range(count):
        sample = lead(rng.randrange(1, rows + 1))
        kind = i % 4
        if kind == 0:
            terms.append(sample["name"])
        elif kind == 1:
            terms.append(sample["company"][2:6])  # the brand and trade: 星辰科技
        elif kind == 2:
            terms.append(sample["phone"].replace(" ", "")[3:10])
        else:
            terms.append(sample["email"].split("@")[0])
    return terms
