"""Example documents shown in the metadata reference: the issue's contact form, grown to
use every field type, with a company form, a view and an app."""

from __future__ import annotations

from typing import Any

EXAMPLE_APP: dict[str, Any] = {
    "kind": "app", "key": "crm", "label": {"zh": "客户管理", "en": "CRM"},
    "description": "Contacts and the companies they work for.",
    "color": "#2f6f4f",
    "navigation": [{"form": "contact", "view": "open_contacts"}, {"form": "company"}],
}
EXAMPLE_COMPANY_FORM: dict[str, Any] = {
    "kind": "form", "key": "company", "label": {"zh": "公司", "en": "Company"},
    "title_field": "name",
    "fields": [
        {"key": "name", "type": "text", "label": "公司名称", "required": True},
        {"key": "website", "type": "url", "label": "网址"},
    ],
}
EXAMPLE_FORM: dict[str, Any] = {
    "kind": "form", "key": "contact", "label": {"zh": "联系人", "en": "Contact"},
    "description": {"zh": "我们服务的客户联系人", "en": "People we sell to"},
    "title_field": "name",
    "fields": [
        {"key": "name", "type": "text", "label": "姓名", "required": True,
         "config": {"max_length": 100}},
        {"key": "phone", "type": "phone", "label": "手机", "config": {"default_region": "CN"}},
        {"key": "stage", "type": "select", "label": "阶段", "default": "new",
         "config": {"choices": [{"value": "new", "label": "新建"},
                                {"value": "won", "label": "成交", "color": "#2e7d32"}]}},
        {"key": "company", "type": "relation", "label": "公司",
         "config": {"target_form": "company", "display_field": "name"}},
        {"key": "notes", "type": "textarea", "label": {"zh": "备注", "en": "Notes"},
         "config": {"rows": 4}, "visible_if": "{stage} = \"won\""},
        {"key": "employees", "type": "number", "label": "员工数", "config": {"min": 0},
         "validate": [{"formula": "{employees} <= 1000000",
                       "message": {"zh": "员工数不太可能超过一百万",
                                   "en": "More than a million employees is unlikely"}}]},
        {"key": "budget", "type": "decimal", "label": "预算",
         "config": {"precision": 2, "min": "0", "currency": "CNY"},
         "required_if": "{stage} = \"won\""},
        {"key": "birthday", "type": "date", "label": "生日"},
        {"key": "next_call", "type": "datetime", "label": "下次联系",
         "config": {"timezone": "Asia/Shanghai"}, "default": {"formula": "NOW()"}},
        {"key": "subscribed", "type": "boolean", "label": "订阅资讯", "default": False},
        {"key": "interests", "type": "multiselect", "label": "感兴趣的产品",
         "config": {"choices": [{"value": "crm", "label": "CRM"},
                                {"value": "erp", "label": "ERP"}],
                    "display": "checkboxes"}},
        {"key": "email", "type": "email", "label": "邮箱",
         "placeholder": "name@example.com"},
        {"key": "website", "type": "url", "label": "个人主页"},
        {"key": "region", "type": "region", "label": "地区",
         "config": {"levels": 3, "countries": ["CN"]}},
        {"key": "sales_rep", "type": "user", "label": "负责销售",
         "config": {"roles": ["member"]}},
        {"key": "files", "type": "attachment", "label": "附件",
         "help": {"zh": "名片或合同，PDF 或图片", "en": "Business card or contract"},
         "config": {"max_files": 5, "max_size_mb": 10, "accept": [".pdf", "image/*"]}},
        {"key": "code", "type": "auto_number", "label": "编号",
         "config": {"prefix": "C{YYYY}{MM}-", "digits": 4}},
        {"key": "first_source", "type": "touch", "label": {"zh": "首次来源", "en": "First source"},
         "config": {"touch": "first", "part": "source"}},
        {"key": "items", "type": "sub_table", "label": "意向产品",
         "config": {"fields": [
             {"key": "product", "type": "text", "label": "产品", "required": True},
             {"key": "quantity", "type": "number", "label": "数量", "config": {"min": 1}},
             {"key": "price", "type": "decimal", "label": "单价", "config": {"precision": 2}},
         ], "max_rows": 50}},
        {"key": "score", "type": "formula", "label": "评分",
         "config": {"formula": "IF({employees} > 500, 25, 0) + IF({subscribed}, 5, 0)"}},
    ],
    "layout": {"tabs": [
        {"label": {"zh": "基本信息", "en": "Basics"}, "sections": [
            {"label": "联系人", "columns": 2,
             "fields": ["name", "phone", "email", "company", "stage", "sales_rep"]},
            {"label": "公司情况", "columns": 3, "fields": ["employees", "budget", "score"]},
        ]},
        {"label": {"zh": "更多", "en": "More"}, "sections": [
            {"columns": 1, "fields": ["notes", "items", "files"]},
        ]},
    ]},
    "permissions": {"roles": {
        "member": {"create": "all", "read": "team", "update": "own", "delete": "none",
                   "readonly_fields": ["stage"]},
        "intern": {"create": "own", "read": "own", "update": "own", "delete": "none",
                   "hidden_fields": ["budget"]},
    }},
}
EXAMPLE_VIEW: dict[str, Any] = {
    "kind": "view", "key": "open_contacts", "form": "contact",
    "label": {"zh": "跟进中的联系人", "en": "Open contacts"},
    "columns": ["code", "name", "company", "stage", "sales_rep", "updated_at"],
    "sort": [{"field": "updated_at", "direction": "desc"}],
    "filters": [{"field": "stage", "op": "ne", "value": "won"}],
    "filter": "{score} >= 20 OR ISBLANK({email})",
    "per_page": 50,
}
