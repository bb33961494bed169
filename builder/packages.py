"""App packages in the builder: download an app as one JSON file, upload one to import it.

An upload is checked first and shown as what it will create and change; confirming imports it
all-or-nothing (``metadata.package.import_package`` inside one transaction, tables included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.changes import Change, describe, describe_path, quoted, type_names
from builder.effects import table_effect
from builder.versions import kind_labels
from metadata.errors import Problem, TrellisError
from metadata.package import ORDER, export_package, package_problems
from metadata.package import import_package as import_documents
from runtime.api.errors import check_structure
from runtime.fields.base import label_text
from runtime.web import current_runtime, db_session, transaction
from runtime.web.messages import translate, ui_lang
from runtime.web.routes import GET, GET_POST, POST, Route


@dataclass
class ErrorRow:
    path: str
    where: str
    message: str


@dataclass
class ImportItem:
    kind_label: str
    key: str
    label: str
    status: str  # new, changed, unchanged
    changes: list[Change] = field(default_factory=list)
    effect: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # the same in terms of the table
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportVM:
    filename: str = ""
    errors: list[ErrorRow] = field(default_factory=list)
    app_key: str = ""
    app_label: str = ""
    items: list[ImportItem] = field(default_factory=list)
    package_json: str = ""

    @property
    def blocked(self) -> bool:
        return bool(self.errors) or any(i.problems for i in self.items)

    @property
    def counts(self) -> dict[str, int]:
        out = {"new": 0, "changed": 0, "unchanged": 0}
        for item in self.items:
            out[item.status] += 1
        return out


@dataclass
class PackageVM:
    app_key: str
    label: str
    documents: list[dict]
    download_url: str
    import_url: str


def read_package(raw: bytes) -> tuple[Any, list[ErrorRow]]:
    """The parsed package, or the reasons it cannot be read (line and column for bad JSON)."""
    limit = current_runtime().settings["max_json_bytes"]
    if len(raw) > limit:
        return None, [ErrorRow("", "", _("The file is larger than %(mb)s MB.",
                                         mb=limit // (1024 * 1024)))]
    try:
        package = json.loads(raw.decode("utf-8-sig"))
        check_structure(package)
    except UnicodeDecodeError:
        return None, [ErrorRow("", "", _("The file is not UTF-8 text."))]
    except json.JSONDecodeError as exc:
        return None, [ErrorRow("", "", _("The file is not valid JSON: line %(line)s, column "
                                         "%(col)s: %(msg)s", line=exc.lineno, col=exc.colno,
                                         msg=exc.msg))]
    except (RecursionError, ValueError):
        return None, [ErrorRow("", "", _("The file is not valid JSON."))]
    except TrellisError as exc:
        return None, error_rows(None, exc.problems)
    return package, []


def where_in_package(package: Any, path: str, lang: str) -> str:
    """Which document (and field) a JSON Pointer into a package points at."""
    segs = path.split("/")[1:]
    if not isinstance(package, dict) or not segs:
        return ""
    if segs[0] == "app":
        doc, rest = package.get("app"), "/" + "/".join(segs[1:])
    elif segs[0] == "documents" and len(segs) > 1 and segs[1].isdigit():
        docs = package.get("documents")
        index = int(segs[1])
        doc = docs[index] if isinstance(docs, list) and index < len(docs) else None
        rest = "/" + "/".join(segs[2:])
    else:
        return ""
    if not isinstance(doc, dict):
        return ""
    kind = kind_labels().get(doc.get("kind"), str(doc.get("kind")))
    name = f"{kind} {quoted(str(doc.get('key')), lang)}"
    if rest == "/":
        return name
    subject, prop = describe_path(doc, rest, lang)
    return " › ".join(part for part in (name, subject, prop) if part)


def error_rows(package: Any, problems: list[Problem]) -> list[ErrorRow]:
    lang = ui_lang()
    return [ErrorRow(p.path or "/", where_in_package(package, p.path, lang),
                     translate(p.message)) for p in problems]


def plan_import(package: dict) -> list[ImportItem]:
    """What importing ``package`` creates and changes, document by document."""
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    app_key = package["app"]["key"]
    items = []
    bodies = [package["app"], *sorted(package["documents"], key=lambda d: ORDER[d["kind"]])]
    for body in bodies:
        doc = rt.store.find(session, app_key, body["kind"], body["key"])
        current = rt.store.published_body(session, doc) if doc is not None else None
        item = ImportItem(kind_labels()[body["kind"]], body["key"],
                          label_text(body.get("label"), lang) or body["key"],
                          "new" if current is None else "changed" if current != body
                          else "unchanged")
        if current is not None and item.status == "changed":
            item.changes = describe(current, body, lang, type_names(rt.fields, lang))
        if body["kind"] == "form" and item.status != "unchanged":
            effect = table_effect(rt, session, app_key, body["key"], body, lang, current)
            item.effect, item.details = effect.sentences, effect.details
            item.problems = effect.problems
        items.append(item)
    return items


def import_vm(raw: bytes, filename: str) -> ImportVM:
    vm = ImportVM(filename=filename)
    package, vm.errors = read_package(raw)
    if vm.errors:
        return vm
    problems = package_problems(current_runtime().store, package)
    if problems:
        vm.errors = error_rows(package, problems)
        return vm
    vm.app_key = package["app"]["key"]
    vm.app_label = label_text(package["app"].get("label"), ui_lang()) or vm.app_key
    vm.items = plan_import(package)
    vm.package_json = json.dumps(package, ensure_ascii=False)
    return vm


def package_page(app_key: str):
    rt, session, lang = current_runtime(), db_session(), ui_lang()
    app_doc = rt.store.get(session, app_key, "app", app_key)
    documents = [{"kind": kind_labels()[d.kind], "key": d.key,
                  "label": label_text(d.draft.get("label"), lang) or d.key,
                  "version": d.published_version,
                  "history_url": url_for("builder.history", app_key=app_key,
                                         kinds=d.kind + "s", key=d.key)}
                 for d in sorted(rt.store.list(session, app_key),
                                 key=lambda d: (ORDER.get(d.kind, 0), d.key))]
    vm = PackageVM(app_key, label_text(app_doc.draft.get("label"), lang) or app_key, documents,
                   url_for("builder.package_download", app_key=app_key),
                   url_for("builder.package_import"))
    return render_template("builder/packages.html", vm=vm)


def package_download(app_key: str):
    package = export_package(current_runtime().store, db_session(), app_key)
    body = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{app_key}.json"'})


def package_import():
    if request.method == "GET":
        return render_template("builder/packages_import.html", vm=None)
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        vm = ImportVM(errors=[ErrorRow("", "", _("Choose a package file (.json) to upload."))])
        return render_template("builder/packages_import.html", vm=vm), 422
    vm = import_vm(upload.read(), upload.filename)
    return render_template("builder/packages_import.html", vm=vm), 422 if vm.blocked else 200


def package_import_confirm():
    raw = request.form.get("package_json", "").encode("utf-8")
    vm = import_vm(raw, request.form.get("filename", ""))
    if vm.blocked:
        return render_template("builder/packages_import.html", vm=vm), 422
    rt = current_runtime()
    package = json.loads(vm.package_json)
    try:
        with transaction() as session:
            app_key = import_documents(rt.store, session, package, current_user.id,
                                       on_publish=lambda d, v: rt.on_publish(session, d, v))
    except TrellisError as exc:
        vm.errors = error_rows(package, exc.problems)
        return render_template("builder/packages_import.html", vm=vm), exc.status
    flash(_("Imported app %(app)s.", app=vm.app_label), "success")
    return redirect(url_for("builder.package_page", app_key=app_key), 303)


ROUTES: tuple[Route, ...] = (  # package export and import
    ("/import", "package_import", package_import, GET_POST),
    ("/import/confirm", "package_import_confirm", package_import_confirm, POST),
    ("/<app_key>/package", "package_page", package_page, GET),
    ("/<app_key>/package.json", "package_download", package_download, GET),
)
