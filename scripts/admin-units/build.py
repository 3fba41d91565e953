#!/usr/bin/env python3
"""Builds the administrative-unit files embedded in nguon-domain (crates/domain/data/admin-units/).

Usage: python3 scripts/admin-units/build.py [SOURCE_DIR]
SOURCE_DIR holds the upstream files described in crates/domain/data/admin-units/SOURCES.md
(default: /work/shared/data/admin-units). Python 3 standard library only.

Writes two files:
- current.csv: the 34 provinces and 3,321 communes in force since 01/07/2025.
- legacy.csv: the 63 provinces, 696 districts and 10,035 communes of 18/07/2025's pre-reform list,
  each old commune with the current commune(s) its territory went into.

The script stops with an error whenever an input stops matching what the files were checked
against (counts, code sets, the known upstream errors), so a new upstream snapshot cannot slip
through silently.
"""

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

SOURCE_DIR = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/admin-units")
OUT_DIR = Path(__file__).resolve().parents[2] / "crates" / "domain" / "data" / "admin-units"

CURRENT_JSON = "simplified_json_generated_data_vn_units_2026-07-25__20_49_07.json"
NSO_JSON = "nested-divisions.json"
MAPPING_CSV = "BangChuyendoiĐVHCmoi_cu_khong_merge.csv"
OLD_WARDS_CSV = "danhmuchanhchinh.gso.gov.vn_ward_2025-07-18.csv"
OLD_DISTRICTS_CSV = "danhmuchanhchinh.gso.gov.vn_district_2025-07-18.csv"

# thanglequoc v4 has Xã Ba Chẽ as 06978; the NSO code (and upstream v5.0.0) is 06970.
CURRENT_CODE_FIXES = {"06978": "06970"}

# Rows of the NSO conversion table whose old commune code is wrong upstream:
# (new code, old commune name, code in the file) -> correct old code (checked against the GSO list).
MAPPING_CODE_FIXES = {
    ("01648", "Xã Mỹ Hưng", "01615"): "01651",
    ("02494", "Xã Phú Thịnh", "02485"): "02482",
    ("00562", "Xã Đặng Xá", "00553"): "00556",
}

# Rows whose "Tỉnh cũ" cell names the wrong old province. The old province written to legacy.csv
# always comes from the GSO list, so these need no fix; they are listed so that any other
# disagreement stops the build.
KNOWN_WRONG_OLD_PROVINCE = {
    "27691": "82",  # Phường 4, Tân An: labelled Tiền Giang (82), was Long An (80)
    "30781": "89",  # Xã Tiên Hải, Hà Tiên: labelled An Giang (89), was Kiên Giang (91)
}

CODE_IN_PARENS = re.compile(r"\((\d+)\)\s*$")


def clean(text):
    """Strips the value and collapses inner whitespace (some upstream cells hold newlines)."""
    return " ".join(text.split())


def tone_placement_only(ours, nso):
    """True when two spellings differ only in where the tone mark sits (Hoà / Hòa)."""
    return ours != nso and sorted(unicodedata.normalize("NFD", ours)) == sorted(
        unicodedata.normalize("NFD", nso)
    )


def official_spelling(kind, name, nso_full):
    """The NSO spelling when ours differs from it only in tone-mark placement, else ours.

    The MIT list writes the older "oà, uý" placement in about 180 names; the NSO and the
    resolutions write "òa, úy", which is what people will compare against.
    """
    if tone_placement_only(f"{kind} {name}", nso_full):
        if not nso_full.startswith(kind + " "):
            raise SystemExit(f"NSO name {nso_full!r} does not start with {kind!r}")
        return nso_full[len(kind) + 1 :]
    return name


def checked_field(text):
    """A value that can be written unquoted into the embedded CSV files."""
    if not text or any(c in text for c in ",\n\"#~"):
        raise SystemExit(f"value cannot be embedded unquoted: {text!r}")
    return text


def read_csv(name):
    with open(SOURCE_DIR / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def load_current():
    """Provinces and communes from the MIT-licensed list, checked against the NSO list."""
    provinces = json.loads((SOURCE_DIR / CURRENT_JSON).read_text(encoding="utf-8"))
    nso = json.loads((SOURCE_DIR / NSO_JSON).read_text(encoding="utf-8"))
    nso_provinces = {f"{p['code']:02}": clean(p["name"]) for p in nso}
    nso_communes = {f"{w['code']:05}": (f"{p['code']:02}", clean(w["name"])) for p in nso for w in p["wards"]}
    rows_p, rows_c = [], []
    for p in provinces:
        name, full = clean(p["Name"]), clean(p["FullName"])
        kind = full[: -len(name)].strip()
        if kind not in ("Tỉnh", "Thành phố") or not full.endswith(name):
            raise SystemExit(f"province {p['Code']}: unexpected full name {full!r}")
        rows_p.append((p["Code"], kind, official_spelling(kind, name, nso_provinces[p["Code"]])))
        for w in p["Wards"]:
            code = CURRENT_CODE_FIXES.get(w["Code"], w["Code"])
            name, full = clean(w["Name"]), clean(w["FullName"])
            kind = full[: -len(name)].strip()
            # One upstream entry is written "xã Bắc Sơn".
            kind = kind[:1].upper() + kind[1:]
            if kind not in ("Xã", "Phường", "Đặc khu") or not full.endswith(name):
                raise SystemExit(f"commune {code}: unexpected full name {full!r}")
            if w["ProvinceCode"] != p["Code"]:
                raise SystemExit(f"commune {code}: listed under {p['Code']}, says {w['ProvinceCode']}")
            nso_province, nso_full = nso_communes[code]
            if nso_province != p["Code"]:
                raise SystemExit(f"commune {code}: in province {p['Code']}, NSO says {nso_province}")
            rows_c.append((code, p["Code"], kind, official_spelling(kind, name, nso_full)))
    if {code for code, _, _, _ in rows_c} != set(nso_communes):
        raise SystemExit("current list: commune codes differ from the NSO list")
    if len(rows_p) != 34 or len(rows_c) != 3321:
        raise SystemExit(f"current list: {len(rows_p)} provinces, {len(rows_c)} communes")
    return sorted(rows_p), sorted(rows_c)


def load_legacy(current_province_of):
    """The GSO pre-reform list plus, for each old commune, the current communes it went into."""
    old_wards = {r["Mã"]: r for r in read_csv(OLD_WARDS_CSV)}
    old_districts = {r["Mã"]: r for r in read_csv(OLD_DISTRICTS_CSV)}
    with open(SOURCE_DIR / MAPPING_CSV, encoding="utf-8-sig", newline="") as f:
        # Row 1 is a group header, row 2 the column names; separator rows fill only column 1.
        rows = [r for r in list(csv.reader(f))[2:] if any(c.strip() for c in r[1:])]
    if len(rows) != 10571:
        raise SystemExit(f"conversion table: {len(rows)} data rows, expected 10571")

    successors = {}  # old commune code -> {new code: partly?}
    district_extra = {}  # old district code -> new codes of territory outside any old commune
    fixes_used = set()
    for r in rows:
        new_province, new_code, old_name, old_code, note, district, old_province = (
            clean(c) for c in r[:1] + r[2:8]
        )
        new_province = CODE_IN_PARENS.search(new_province).group(1)
        if current_province_of.get(new_code) != new_province:
            raise SystemExit(f"conversion row {r}: new commune not in that current province")
        district = CODE_IN_PARENS.search(district).group(1)
        if not old_code:
            # Island districts without communes (now đặc khu) and Kim Sơn's coastal alluvial area.
            district_extra.setdefault(district, set()).add(new_code)
            continue
        fix = (new_code, old_name, old_code)
        if fix in MAPPING_CODE_FIXES:
            old_code = MAPPING_CODE_FIXES[fix]
            fixes_used.add(fix)
        gso = old_wards.get(old_code)
        if gso is None:
            raise SystemExit(f"conversion row {r}: old code not in the GSO list")
        if gso["Mã QH"] != district:
            raise SystemExit(f"conversion row {r}: GSO puts {old_code} in district {gso['Mã QH']}")
        labelled = CODE_IN_PARENS.search(old_province).group(1)
        if labelled != gso["Mã TP"] and KNOWN_WRONG_OLD_PROVINCE.get(old_code) != labelled:
            raise SystemExit(f"conversion row {r}: GSO puts {old_code} in province {gso['Mã TP']}")
        partly = "một phần" in note.lower()
        targets = successors.setdefault(old_code, {})
        targets[new_code] = targets.get(new_code, False) or partly

    if fixes_used != set(MAPPING_CODE_FIXES):
        raise SystemExit(f"known upstream errors not found: {set(MAPPING_CODE_FIXES) - fixes_used}")
    if set(successors) != set(old_wards):
        raise SystemExit(f"old communes without a successor: {sorted(set(old_wards) - set(successors))}")
    if not set(district_extra) <= set(old_districts):
        raise SystemExit("conversion table names an unknown old district")

    provinces = sorted({(r["Mã TP"], clean(r["Tỉnh / Thành Phố"])) for r in old_districts.values()})
    districts = sorted(
        (code, r["Mã TP"], clean(r["Tên"]), sorted(district_extra.get(code, ())))
        for code, r in old_districts.items()
    )
    communes = sorted(
        (code, r["Mã QH"], clean(r["Tên"]), sorted(successors[code].items()))
        for code, r in old_wards.items()
    )
    if (len(provinces), len(districts), len(communes)) != (63, 696, 10035):
        raise SystemExit("legacy list: expected 63 provinces, 696 districts, 10035 communes")
    return provinces, districts, communes


HEADER_CURRENT = """\
# Vietnamese provinces and communes in force since 01/07/2025 (NQ 202/2025/QH15, QĐ 19/2025/QĐ-TTg).
# Generated by scripts/admin-units/build.py; see SOURCES.md beside this file. Do not edit by hand.
# P,<province code>,<Tỉnh|Thành phố>,<name>
# C,<commune code>,<province code>,<Xã|Phường|Đặc khu>,<name>
"""

HEADER_LEGACY = """\
# Pre-reform units (GSO list of 18/07/2025) and where each old commune went (NSO conversion table).
# Generated by scripts/admin-units/build.py; see SOURCES.md beside this file. Do not edit by hand.
# P,<old province code>,<full name>
# D,<old district code>,<old province code>,<full name>,<current communes of territory in no old commune>
# C,<old commune code>,<old district code>,<full name>,<current communes, space separated; ~ = only part of it>
"""


def main():
    provinces, communes = load_current()
    current_province_of = {code: province for code, province, _, _ in communes}
    old_provinces, old_districts, old_communes = load_legacy(current_province_of)

    lines = [f"P,{code},{kind},{checked_field(name)}" for code, kind, name in provinces]
    lines += [f"C,{code},{p},{kind},{checked_field(name)}" for code, p, kind, name in communes]
    (OUT_DIR / "current.csv").write_text(HEADER_CURRENT + "\n".join(lines) + "\n", encoding="utf-8")

    lines = [f"P,{code},{checked_field(name)}" for code, name in old_provinces]
    lines += [
        f"D,{code},{p},{checked_field(name)},{' '.join(extra)}" for code, p, name, extra in old_districts
    ]
    lines += [
        f"C,{code},{d},{checked_field(name)},"
        + " ".join(new + ("~" if partly else "") for new, partly in targets)
        for code, d, name, targets in old_communes
    ]
    (OUT_DIR / "legacy.csv").write_text(HEADER_LEGACY + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
