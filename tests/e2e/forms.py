"""Metadata of the forms the UI tests use: one form with a field of every type."""

from __future__ import annotations

COMPANY = {
    "kind": "form", "key": "company", "label": {"zh": "公司", "en": "Company"},
    "fields": [
        {"key": "name", "type": "text", "label": {"zh": "名称", "en": "Name"}, "required": True},
        {"key": "city", "type": "text", "label": {"zh": "城市", "en": "City"}},
    ],
}

ITEM_FIELDS = [
    {"key": "product", "type": "text", "label": {"zh": "产品", "en": "Product"}},
    {"key": "qty", "type": "number", "label": {"zh": "数量", "en": "Qty"}},
    {"key": "price", "type": "decimal", "label": {"zh": "单价", "en": "Price"},
     "config": {"precision": 2}},
]

DEAL = {
    "kind": "form", "key": "deal", "label": {"zh": "商机", "en": "Deal"},
    "title_field": "title",
    "fields": [
        {"key": "title", "type": "text", "label": {"zh": "标题", "en": "Title"},
         "required": True},
        {"key": "notes", "type": "textarea", "label": {"zh": "备注", "en": "Notes"}},
        {"key": "qty", "type": "number", "label": {"zh": "数量", "en": "Quantity"}},
        {"key": "amount", "type": "decimal", "label": {"zh": "金额", "en": "Amount"},
         "config": {"precision": 2, "currency": "CNY"}},
        {"key": "due", "type": "date", "label": {"zh": "截止日期", "en": "Due date"}},
        {"key": "meeting", "type": "datetime", "label": {"zh": "会议时间", "en": "Meeting"}},
        {"key": "vip", "type": "boolean", "label": {"zh": "重要客户", "en": "VIP"}},
        {"key": "stage", "type": "select", "label": {"zh": "阶段", "en": "Stage"},
         "config": {"choices": [{"value": "new", "label": {"zh": "新建", "en": "New"}},
                                {"value": "won", "label": {"zh": "成交", "en": "Won"}},
                                {"value": "lost", "label": {"zh": "输单", "en": "Lost"}}]}},
        {"key": "tags", "type": "multiselect", "label": {"zh": "标签", "en": "Tags"},
         "config": {"choices": [{"value": "hot", "label": {"zh": "热门", "en": "Hot"}},
                                {"value": "repeat", "label": {"zh": "复购", "en": "Repeat"}},
                                {"value": "partner", "label": {"zh": "渠道", "en": "Partner"}}]}},
        {"key": "phone", "type": "phone", "label": {"zh": "手机", "en": "Phone"},
         "config": {"default_region": "CN"}},
        {"key": "email", "type": "email", "label": {"zh": "邮箱", "en": "Email"}},
        {"key": "website", "type": "url", "label": {"zh": "网站", "en": "Website"}},
        {"key": "place", "type": "region", "label": {"zh": "地区", "en": "Region"}},
        {"key": "manager", "type": "user", "label": {"zh": "负责人", "en": "Manager"}},
        {"key": "company", "type": "relation", "label": {"zh": "公司", "en": "Company"},
         "config": {"target_form": "company"}},
        {"key": "files", "type": "attachment", "label": {"zh": "附件", "en": "Files"},
         "config": {"max_files": 5, "max_size_mb": 2}},
        {"key": "code", "type": "auto_number", "label": {"zh": "编号", "en": "Number"},
         "config": {"prefix": "D-", "digits": 4}},
        {"key": "items", "type": "sub_table", "label": {"zh": "明细", "en": "Line items"},
         "config": {"fields": ITEM_FIELDS}},
        {"key": "secret", "type": "text", "label": {"zh": "内部备注", "en": "Internal note"}},
    ],
    "permissions": {"roles": {
        "member": {"create": "all", "read": "all", "update": "all", "delete": "own",
                   "hidden_fields": ["secret"], "readonly_fields": ["stage"]},
    }},
}

FIELD_TYPES = sorted({f["type"] for f in DEAL["fields"]})
