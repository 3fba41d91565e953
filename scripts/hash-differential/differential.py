#!/usr/bin/env python3
"""Differential test of `nguon epcis-hash` against the PyPI `epcis-event-hash-generator`.

Generates random EPCIS 2.0 JSON-LD documents from a seeded RNG, hashes every event with both
implementations and reports how many agree. Every generated event carries tags naming the
features in it that are known to make the two disagree (see README.md); an event that disagrees
without such a tag is an unexplained difference and is printed in full.

Run by hand (not part of the test suite):

    python3 scripts/hash-differential/differential.py [--events 10000] [--seed 20240501]

The first run creates ./.venv beside this file and installs the pinned PyPI release into it.
"""

import argparse
import collections
import copy
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(HERE, ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
REFERENCE = "epcis-event-hash-generator==1.9.3"

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def ensure_reference():
    """Re-runs this script inside a venv that has the reference implementation installed."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(VENV_PYTHON):
        print(f"creating {VENV} and installing {REFERENCE}", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    check = subprocess.run(
        [VENV_PYTHON, "-c", "import epcis_event_hash_generator"], capture_output=True
    )
    if check.returncode != 0:
        subprocess.run(
            [VENV_PYTHON, "-m", "pip", "install", "--quiet", REFERENCE], check=True
        )
    os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])


# ---------------------------------------------------------------------------------------------
# Vocabularies (EPCIS 2.0.0 JSON-LD context)

BIZ_STEPS = """accepting arriving assembling collecting commissioning consigning
creating_class_instance cycle_counting decommissioning departing destroying disassembling
dispensing encoding entering_exiting holding inspecting installing killing loading other packing
picking receiving removing repackaging repairing replacing reserving retail_selling sampling
sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading
unpacking void_shipping""".split()
DISPOSITIONS = """active available completeness_verified completeness_inferred conformant
container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress
in_transit inactive mismatch_instance mismatch_class mismatch_quantity needs_replacement
no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved
retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable
unknown""".split()
BTT = "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt".split()
SDT = ["owning_party", "possessing_party", "location"]
MEASUREMENTS = """AbsoluteHumidity Acceleration Altitude Angle Conductivity Count Density
Dimensionless Energy Force Frequency Illuminance Length Mass MassConcentration Power Pressure
RelativeHumidity Speed Temperature Time Voltage Volume VolumeFraction""".split()
COMPONENTS = ["x", "y", "z", "latitude", "longitude", "altitude", "easting", "northing"]
UOMS = ["CEL", "KGM", "A93", "P1", "MTR", "LTR", "GRM", "DD", "KEL"]
CBV_URN = {"BizStep": "bizstep", "Disp": "disp", "BTT": "btt", "SDT": "sdt"}

PREFIXES = {
    "ex": "https://ns.example.com/epcis/",
    "vn": "https://truyxuat.example.vn/ns/",
    "repo": "https://repository-x.example.com/",
}
# A namespace that does not end in '/' (see README: "namespace without a trailing slash").
SLASHLESS = ("urnx", "urn:example:epcis:")

TIMEZONES = ["Z", "+00:00", "+07:00", "-05:00", "+05:30", "+14:00", "-12:00", "+09:45", "-03:30"]
COMPANY_PREFIXES = ["0614141", "4012345", "8934673", "893467300", "95060001", "4054739"]


class Gen:
    """One random source and the tags of the event being built."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.tags = set()
        self.doc_declares = set()

    def chance(self, p):
        return self.r.random() < p

    def pick(self, items):
        return self.r.choice(items)

    def token(self, lo=4, hi=10):
        # Letters and digits, always with a digit, so a token is never a CBV word.
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
        body = "".join(self.pick(letters) for _ in range(self.r.randint(lo - 1, hi - 1)))
        return body + str(self.r.randint(0, 9))


# ---------------------------------------------------------------------------------------------
# GS1 identifiers, each in EPC URN and in Digital Link form


def check_digit(digits):
    total = 0
    for position, digit in enumerate(reversed(digits)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def digits(g, n):
    return "".join(str(g.r.randint(0, 9)) for _ in range(n))


URN_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
DL_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def urn_escape(value):
    return "".join(URN_ESCAPES.get(c, c) for c in value)


def dl_encode(value):
    return "".join(c if c in DL_UNRESERVED else "%{:02X}".format(ord(c)) for c in value)


def serial(g, max_len=20):
    if g.chance(0.01):
        specials = "!\"%&'()*+,-./:;<=>?_"
        s = g.token(2, 6) + "".join(g.pick(specials) for _ in range(g.r.randint(1, 3)))
        g.tags.add("_special_serial")
        return s[:max_len]
    if g.chance(0.2):
        return str(g.r.randint(1, 99999))
    return g.token(1, min(max_len, 12))


def dl_base(g):
    roll = g.r.random()
    if roll < 0.6:
        return "https://id.gs1.org"
    if roll < 0.8:
        return "https://truyxuat.example.vn/qr"
    if roll < 0.9:
        return "https://example.com"
    return "http://id.gs1.org"


def dl_query(g):
    if g.chance(0.15):
        return g.pick(["?17=261231", "?linkType=gs1:pip", "?3103=000500"])
    return ""


def identifier(g, kind, urn_share=0.5):
    """An identifier of `kind` as an EPC URN or a Digital Link."""
    cp = g.pick(COMPANY_PREFIXES)
    as_urn = g.chance(urn_share)
    if kind in ("sgtin", "lgtin", "gtin"):
        item = str(g.r.randint(0, 9)) + digits(g, 12 - len(cp))
        gtin = item[0] + cp + item[1:]
        gtin += check_digit(gtin)
        if kind == "gtin":
            return f"urn:epc:idpat:sgtin:{cp}.{item}.*" if as_urn else f"{dl_base(g)}/01/{gtin}"
        value = serial(g)
        if as_urn:
            scheme = "id:sgtin" if kind == "sgtin" else "class:lgtin"
            return f"urn:epc:{scheme}:{cp}.{item}.{urn_escape(value)}"
        if any(c not in DL_UNRESERVED for c in value):
            g.tags.add("dl-percent-escape")
        short = g.chance(0.1)
        ai = ("ser" if short else "21") if kind == "sgtin" else ("lot" if short else "10")
        key = "gtin" if short else "01"
        extra = ""
        if kind == "sgtin" and g.chance(0.1):
            extra = "/10/" + g.token(2, 6)  # a lot as well as the serial: dropped by both
        if extra:
            return f"{dl_base(g)}/{key}/{gtin}{extra}/{ai}/{dl_encode(value)}{dl_query(g)}"
        return f"{dl_base(g)}/{key}/{gtin}/{ai}/{dl_encode(value)}{dl_query(g)}"
    if kind == "sscc":
        ref = str(g.r.randint(0, 9)) + digits(g, 16 - len(cp))
        sscc = ref[0] + cp + ref[1:]
        sscc += check_digit(sscc)
        return f"urn:epc:id:sscc:{cp}.{ref}" if as_urn else f"{dl_base(g)}/00/{sscc}"
    if kind in ("sgln", "gln"):
        ref = digits(g, 12 - len(cp))
        gln = cp + ref + check_digit(cp + ref)
        ext = "0" if kind == "gln" or g.chance(0.4) else str(g.r.randint(1, 9999))
        if as_urn:
            return f"urn:epc:id:sgln:{cp}.{ref}.{ext}"
        tail = "" if ext == "0" else f"/254/{ext}"
        return f"{dl_base(g)}/414/{gln}{tail}"
    if kind == "pgln":
        ref = digits(g, 12 - len(cp))
        gln = cp + ref + check_digit(cp + ref)
        return f"urn:epc:id:pgln:{cp}.{ref}" if as_urn else f"{dl_base(g)}/417/{gln}"
    if kind == "grai":
        ref = digits(g, 12 - len(cp))
        grai = "0" + cp + ref + check_digit(cp + ref)
        value = g.token(1, 8)
        return f"urn:epc:id:grai:{cp}.{ref}.{value}" if as_urn else f"{dl_base(g)}/8003/{grai}{value}"
    if kind == "giai":
        value = g.token(2, 10)
        return f"urn:epc:id:giai:{cp}.{value}" if as_urn else f"{dl_base(g)}/8004/{cp}{value}"
    if kind == "gdti":
        ref = digits(g, 12 - len(cp))
        gdti = cp + ref + check_digit(cp + ref)
        value = g.token(1, 8)
        return f"urn:epc:id:gdti:{cp}.{ref}.{value}" if as_urn else f"{dl_base(g)}/253/{gdti}{value}"
    raise ValueError(kind)


def instance(g):
    return identifier(g, g.pick(["sgtin", "sgtin", "sgtin", "sscc", "grai", "giai"]))


def epc_class(g):
    return identifier(g, g.pick(["lgtin", "lgtin", "gtin"]))


# ---------------------------------------------------------------------------------------------
# CBV values in every form JSON-LD documents use


def cbv(g, family, word):
    roll = g.r.random()
    if roll < 0.6:
        return word
    if roll < 0.75:
        return f"https://ref.gs1.org/cbv/{family}-{word}"
    if roll < 0.88:
        return f"urn:epcglobal:cbv:{CBV_URN[family]}:{word}"
    if "cbv" not in g.doc_declares:
        g.tags.add("undeclared-curie")
    return f"cbv:{family}-{word}"


def measurement(g):
    word = g.pick(MEASUREMENTS)
    if g.chance(0.3):
        if "gs1" not in g.doc_declares:
            g.tags.add("undeclared-curie")
        return f"gs1:{word}"
    return word


def timestamp(g, year_from=2015, year_to=2030):
    year = g.r.randint(year_from, year_to)
    month = g.r.randint(1, 12)
    day = g.r.randint(1, 28 if month == 2 else 30)
    hms = f"{g.r.randint(0, 23):02}:{g.r.randint(0, 59):02}:{g.r.randint(0, 59):02}"
    width = g.pick([0, 0, 1, 2, 3, 3, 3, 4, 6])
    fraction = ""
    if width:
        fraction = "." + digits(g, width)
        if width == 4 and g.chance(0.25):
            fraction = fraction[:4] + "5"  # a tie on the fourth digit
        if width >= 4 and fraction[4] == "5" and all(c == "0" for c in fraction[5:]) and int(fraction[3]) % 2 == 0:
            g.tags.add("ms-tie-even")
        if width >= 4 and fraction[1:4] == "999" and fraction[4] >= "5":
            g.tags.add("ms-rounds-into-next-second")
    return f"{year:04}-{month:02}-{day:02}T{hms}{fraction}{g.pick(TIMEZONES)}"


def number(g):
    roll = g.r.random()
    if roll < 0.4:
        return g.r.randint(0, 5000)
    if roll < 0.8:
        return round(g.r.uniform(-50, 500), g.r.randint(1, 4))
    if roll < 0.9:
        return float(g.r.randint(0, 300))  # 12.0: written without its zero fraction
    return g.pick([0.00005, 1.5e-07, 123456789.125, 1e16, 12345678901234567])


# ---------------------------------------------------------------------------------------------
# Extensions


def ext_name(g, local=None):
    prefix = g.pick(["ex", "vn"])
    return f"{prefix}:{local or g.pick(['batch', 'grade', 'note', 'origin', 'temp', 'code', 'operator'])}"


def ext_value(g, depth=0):
    roll = g.r.random()
    if roll < 0.35:
        return g.token()
    if roll < 0.5:
        return number(g)
    if roll < 0.6:
        return g.pick(["0042", "12.50", "+7", "1E3", "007.100"])
    if roll < 0.65:
        return f"ex:{g.token()}"  # a CURIE value with a declared prefix
    if roll < 0.7:
        return instance(g)
    if roll < 0.8 and depth < 2:
        return {ext_name(g): ext_value(g, depth + 1) for _ in range(g.r.randint(1, 3))}
    if roll < 0.85 and depth < 2:
        return [ext_value(g, depth + 1) for _ in range(g.r.randint(1, 3))]
    return g.token()


def extensions(g, count_max=3, inside_structure=False):
    fields = {}
    for _ in range(g.r.randint(0, count_max)):
        fields[ext_name(g)] = ext_value(g)
    if inside_structure and g.chance(0.01):
        fields[f"{SLASHLESS[0]}:{g.pick(['flag', 'zone'])}"] = g.token()
        if SLASHLESS[0] in g.doc_declares:
            g.tags.add("slashless-namespace-in-structure")
    if inside_structure and g.chance(0.005):
        fields["ex:reaction"] = g.token()
        g.tags.add("extension-named-action-in-structure")
    return fields


# ---------------------------------------------------------------------------------------------
# Events


def typed_items(g, item, vocabulary, family, count, ids):
    items = []
    for _ in range(count):
        entry = collections.OrderedDict()
        value = ids(g)
        if item == "bizTransaction" and g.chance(0.01):
            g.tags.add("item-without-type")
            entry[item] = value
        elif g.chance(0.01):
            g.tags.add("item-before-type")
            entry[item] = value
            entry["type"] = cbv(g, family, g.pick(vocabulary))
        else:
            entry["type"] = cbv(g, family, g.pick(vocabulary))
            entry[item] = value
        items.append(entry)
    return items


def biz_transaction_id(g):
    roll = g.r.random()
    cp = g.pick(COMPANY_PREFIXES)
    if roll < 0.5:
        gln = cp + digits(g, 12 - len(cp))
        return f"urn:epcglobal:cbv:bt:{gln}{check_digit(gln)}:{g.token()}"
    if roll < 0.8:
        return f"https://erp.example.com/po/{g.token()}"
    return identifier(g, "gdti")


def party(g):
    return identifier(g, g.pick(["pgln", "pgln", "sgln"]))


def sensor_element(g):
    element = {}
    if g.chance(0.8):
        meta = {"time": timestamp(g)}
        for key, make in [
            ("startTime", timestamp),
            ("endTime", timestamp),
            ("deviceID", lambda g: identifier(g, "giai")),
            ("deviceMetadata", lambda g: identifier(g, "giai")),
            ("rawData", lambda g: f"https://raw.example.org/{g.token()}"),
            ("dataProcessingMethod", lambda g: f"https://method.example.org/{g.token()}"),
            ("bizRules", lambda g: f"https://rules.example.org/{g.token()}"),
        ]:
            if g.chance(0.3):
                meta[key] = make(g)
        meta.update(extensions(g, 1, inside_structure=True))
        element["sensorMetadata"] = meta
    reports = []
    for _ in range(g.r.randint(1, 4)):
        report = {"type": measurement(g)}
        if g.chance(0.8):
            report["value"] = number(g)
        if g.chance(0.7):
            report["uom"] = g.pick(UOMS)
        optional = [
            ("exception", lambda g: g.pick(["ALARM_CONDITION", "ERROR_CONDITION"])),
            ("deviceID", lambda g: identifier(g, "giai")),
            ("time", timestamp),
            ("minValue", number),
            ("maxValue", number),
            ("meanValue", number),
            ("sDev", number),
            ("percRank", lambda g: g.r.randint(1, 99)),
            ("percValue", number),
            ("stringValue", lambda g: g.token()),
            ("hexBinaryValue", lambda g: "".join(g.pick("0123456789ABCDEF") for _ in range(8))),
            ("uriValue", lambda g: f"https://uri.example.org/{g.token()}"),
            ("component", lambda g: g.pick(COMPONENTS) if g.chance(0.8) else "cbv:Comp-" + g.pick(COMPONENTS)),
            ("coordinateReferenceSystem", lambda g: "http://www.opengis.net/def/crs/EPSG/0/4326"),
            ("microorganism", lambda g: f"https://www.ncbi.nlm.nih.gov/taxonomy/{g.r.randint(1, 99999)}"),
            ("chemicalSubstance", lambda g: f"https://identifiers.org/inchikey:{g.token(14, 14)}"),
        ]
        for key, make in optional:
            if g.chance(0.15):
                report[key] = make(g)
        if report.get("component", "").startswith("cbv:") and "cbv" not in g.doc_declares:
            g.tags.add("undeclared-curie")
        if g.chance(0.03):
            report["booleanValue"] = g.chance(0.5)
            g.tags.add("json-boolean")
        report.update(extensions(g, 1, inside_structure=True))
        reports.append(report)
    element["sensorReport"] = reports
    element.update(extensions(g, 1, inside_structure=True))
    return element


def quantity_list(g):
    items = []
    for _ in range(g.r.randint(1, 3)):
        q = {"epcClass": epc_class(g)}
        if g.chance(0.85):
            q["quantity"] = number(g) if g.chance(0.5) else g.r.randint(1, 1000)
            if g.chance(0.8):
                q["uom"] = g.pick(UOMS)
        items.append(q)
    return items


def location(g):
    loc = {"id": identifier(g, "sgln")}
    if g.chance(0.1):
        loc.update(extensions(g, 1, inside_structure=True))
    return loc


def event(g, kind, doc):
    e = collections.OrderedDict()
    e["type"] = kind
    e["eventTime"] = timestamp(g)
    e["eventTimeZoneOffset"] = g.pick(TIMEZONES[1:])
    if g.chance(0.2):
        e["recordTime"] = timestamp(g)
    if g.chance(0.2):
        e["eventID"] = f"urn:uuid:{g.token(8, 8)}-{g.token(4, 4)}"
    if g.chance(0.1):
        e["certificationInfo"] = (
            f"https://cert.example.org/{g.token()}"
            if g.chance(0.5)
            else [f"https://cert.example.org/{g.token()}" for _ in range(2)]
        )
    action = g.pick(["ADD", "OBSERVE", "DELETE"])
    if kind == "ObjectEvent":
        if g.chance(0.8):
            e["epcList"] = [instance(g) for _ in range(g.r.randint(1, 5))]
        if g.chance(0.4) or "epcList" not in e:
            e["quantityList"] = quantity_list(g)
        e["action"] = action
        if action == "ADD" and g.chance(0.5):
            e["ilmd"] = {ext_name(g, l): ext_value(g) for l in ["lotNumber", "bestBeforeDate", "origin"][: g.r.randint(1, 3)]}
    elif kind in ("AggregationEvent", "AssociationEvent"):
        e["parentID"] = identifier(g, "sscc" if kind == "AggregationEvent" else "grai")
        if g.chance(0.8):
            e["childEPCs"] = [instance(g) for _ in range(g.r.randint(1, 5))]
        if g.chance(0.4) or "childEPCs" not in e:
            e["childQuantityList"] = quantity_list(g)
        e["action"] = action
    elif kind == "TransactionEvent":
        if g.chance(0.5):
            e["parentID"] = identifier(g, "sscc")
        e["epcList"] = [instance(g) for _ in range(g.r.randint(1, 4))]
        if g.chance(0.3):
            e["quantityList"] = quantity_list(g)
        e["action"] = action
    else:  # TransformationEvent
        e["inputEPCList"] = [instance(g) for _ in range(g.r.randint(1, 3))]
        if g.chance(0.5):
            e["inputQuantityList"] = quantity_list(g)
        e["outputEPCList"] = [instance(g) for _ in range(g.r.randint(1, 3))]
        if g.chance(0.5):
            e["outputQuantityList"] = quantity_list(g)
        if g.chance(0.3):
            cp = g.pick(COMPANY_PREFIXES)
            e["transformationID"] = f"urn:epc:id:gdti:{cp}.{digits(g, 12 - len(cp))}.{g.token()}"
        if g.chance(0.5):
            e["ilmd"] = {ext_name(g, "lotNumber"): g.token()}
    if g.chance(0.9):
        e["bizStep"] = cbv(g, "BizStep", g.pick(BIZ_STEPS))
    if g.chance(0.7):
        e["disposition"] = cbv(g, "Disp", g.pick(DISPOSITIONS))
    if g.chance(0.1):
        pd = {}
        if g.chance(0.7):
            pd["set"] = [cbv(g, "Disp", g.pick(DISPOSITIONS)) for _ in range(g.r.randint(1, 2))]
        if g.chance(0.5) or not pd:
            pd["unset"] = [cbv(g, "Disp", g.pick(DISPOSITIONS))]
        e["persistentDisposition"] = pd
    if g.chance(0.9):
        e["readPoint"] = location(g)
    if g.chance(0.6):
        e["bizLocation"] = location(g)
    if kind == "TransactionEvent" or g.chance(0.3):
        e["bizTransactionList"] = typed_items(g, "bizTransaction", BTT, "BTT", g.r.randint(1, 3), biz_transaction_id)
    if g.chance(0.3):
        e["sourceList"] = typed_items(g, "source", SDT, "SDT", g.r.randint(1, 2), party)
    if g.chance(0.3):
        e["destinationList"] = typed_items(g, "destination", SDT, "SDT", g.r.randint(1, 2), party)
    if g.chance(0.3):
        e["sensorElementList"] = [sensor_element(g) for _ in range(g.r.randint(1, 2))]
    if g.chance(0.05):
        e["errorDeclaration"] = {
            "declarationTime": timestamp(g),
            "reason": g.pick(["did_not_occur", "incorrect_data"]),
            "ex:why": g.token(),
        }
    e.update(extensions(g, 3))
    if g.chance(0.01):
        e[ext_name(g, "readingList")] = [g.token() for _ in range(2)]
        g.tags.add("extension-key-ending-in-List")
    if g.chance(0.01):
        word = e.get("bizStep") if e.get("bizStep") in BIZ_STEPS else "in_transit"
        e[ext_name(g, "stage")] = word
        doc["_words"].add(word)
        g.tags.add("_cbv_word_as_extension_value")
    if doc["ignore"] and g.chance(0.5):
        e["repo:hash"] = f"ni:///sha-256;{g.token(16, 16)}?ver=CBV2.0"
        g.tags.add("ignoreFields")
    return e


KINDS = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]


def document(g, n_events, index):
    """A document of `n_events` events and, per event, the tags that explain a disagreement."""
    declared = {"ex", "vn", "repo"}
    if g.chance(0.9):
        declared.add("gs1")
    if g.chance(0.9):
        declared.add("cbv")
    if g.chance(0.3):
        declared.add(SLASHLESS[0])
    g.doc_declares = declared
    context = [EPCIS_CONTEXT]
    for prefix in sorted(declared):
        iri = {"gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/", SLASHLESS[0]: SLASHLESS[1]}.get(prefix) or PREFIXES[prefix]
        context.append({prefix: iri})
    query = g.chance(0.03)
    ignore = g.chance(0.05)
    doc = {"_words": set(), "ignore": ignore}
    events, tags = [], []
    for _ in range(n_events):
        g.tags = set()
        if query:
            g.tags.add("query-document")
        events.append(event(g, g.pick(KINDS), doc))
        tags.append(g.tags)
    # Slash-less extension names need their prefix declared; without it they stay literal names.
    body = {"eventList": events}
    if query:
        body = {"queryResults": {"queryName": "SimpleEventQuery", "subscriptionID": f"sub-{index}", "resultsBody": {"eventList": events}}}
    out = {
        "@context": context,
        "type": "EPCISQueryDocument" if query else "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T00:00:00.000Z",
        "epcisBody": body,
    }
    if ignore:
        out["repo:ignoreFields"] = ["repo:hash"]
    return out, [finish_tags(t, e) for t, e in zip(tags, events)]


def scan(value, tags, in_list=False):
    """Tags for shapes found anywhere in an event."""
    if isinstance(value, dict):
        for item in value.values():
            scan(item, tags)
    elif isinstance(value, list):
        if in_list:
            tags.add("nested-json-array")
        for item in value:
            scan(item, tags, in_list=True)
    elif isinstance(value, str):
        try:
            if abs(float(value)) == float("inf"):
                tags.add("number-overflows-double")
        except ValueError:
            pass


def finish_tags(tags, event):
    """Internal markers become reportable tags only where they make a difference."""
    tags = set(tags)
    scan(event, tags)
    if "_cbv_word_as_extension_value" in tags:
        tags.discard("_cbv_word_as_extension_value")
        tags.add("cbv-word-as-other-value")
    tags.discard("_special_serial")
    return tags


# ---------------------------------------------------------------------------------------------
# The two implementations


def reference_pre_hashes(doc):
    """Per event: the reference's pre-hash, or None where it raised."""
    from epcis_event_hash_generator import hash_generator, json_to_py

    def convert(d):
        # The reference keeps declared prefixes in a module-global dict across documents.
        json_to_py._namespaces.clear()
        return json_to_py.event_list_from_epcis_document_json(copy.deepcopy(d))[2]

    events = events_of(doc)
    try:
        trees = convert(doc)
    except Exception:
        trees = None
    if trees is None or len(trees) != len(events):
        # Convert one event at a time to find which ones make it fail.
        trees = []
        for e in events:
            single = copy.deepcopy(doc)
            set_events(single, [e])
            try:
                trees.append(convert(single)[0])
            except Exception:
                trees.append(None)
    out = []
    for tree in trees:
        if tree is None:
            out.append(None)
            continue
        pre = hash_generator.derive_prehashes_from_events(("EventList", "", [tree]))
        out.append(pre[0] if pre else None)
    return out


def events_of(doc):
    body = doc["epcisBody"]
    return body["queryResults"]["resultsBody"]["eventList"] if "queryResults" in body else body["eventList"]


def set_events(doc, events):
    body = doc["epcisBody"]
    if "queryResults" in body:
        body["queryResults"]["resultsBody"]["eventList"] = events
    else:
        body["eventList"] = events


def nguon_pre_hashes(nguon, path, n_events):
    result = subprocess.run([nguon, "epcis-hash", "--prehash", path], capture_output=True, text=True)
    if result.returncode != 0:
        return [("error", result.stderr.strip())] * n_events
    lines = result.stdout.splitlines()
    return [tuple(line.split("\t", 1)) for line in lines]


def ni(pre):
    import hashlib

    return "ni:///sha-256;" + hashlib.sha256(pre.encode("utf-8")).hexdigest() + "?ver=CBV2.0"


def compare_files(nguon, paths):
    """Hashes existing documents (JSON-LD or XML) with both implementations, event by event."""
    import difflib

    from epcis_event_hash_generator import hash_generator, json_to_py, xml_to_py

    totals = collections.Counter()
    for path in paths:
        result = subprocess.run([nguon, "epcis-hash", "--prehash", path], capture_output=True, text=True)
        try:
            text = open(path, encoding="utf-8").read()
            json_to_py._namespaces.clear()
            if text.lstrip("\ufeff \t\r\n").startswith("<"):
                trees = xml_to_py.event_list_from_epcis_document_str(text)[2]
            else:
                trees = json_to_py.event_list_from_epcis_document_json(json.loads(text))[2]
        except Exception as error:
            trees = None
            their_error = f"{type(error).__name__}: {error}"
        if result.returncode != 0:
            totals["files nguon refused"] += 1
            print(f"{path}: nguon: {result.stderr.strip()}")
            continue
        ours = [line.split("\t", 1) for line in result.stdout.splitlines()]
        totals["files"] += 1
        totals["events"] += len(ours)
        if trees is None or len(trees) != len(ours):
            totals["events the reference could not read"] += len(ours)
            found = their_error if trees is None else f"{len(trees)} events found, nguon {len(ours)}"
            print(f"{path}: reference: {found}")
            continue
        for index, (our, tree) in enumerate(zip(ours, trees)):
            pre = hash_generator.derive_prehashes_from_events(("EventList", "", [tree]))
            if not pre:
                totals["events the reference raised on"] += 1
                continue
            if ni(pre[0]) == our[0]:
                totals["agree"] += 1
                continue
            totals["disagree"] += 1
            matcher = difflib.SequenceMatcher(None, our[1], pre[0], autojunk=False)
            parts = [
                (our[1][a1:a2][:60], pre[0][b1:b2][:60])
                for op, a1, a2, b1, b2 in matcher.get_opcodes()
                if op != "equal"
            ]
            print(f"{path} event {index}: nguon/reference differ at {parts[:4]}")
    print(", ".join(f"{k}: {v}" for k, v in totals.items()))
    return 0


def find_nguon(explicit):
    if explicit:
        return explicit
    for profile in ("release", "debug"):
        path = os.path.join(REPO, "target", profile, "nguon")
        if os.path.exists(path):
            return path
    subprocess.run(["cargo", "build", "-p", "nguon"], cwd=REPO, check=True)
    return os.path.join(REPO, "target", "debug", "nguon")


def main():
    ensure_reference()
    logging.disable(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--nguon", help="path of the nguon binary (default: target/{release,debug}/nguon)")
    parser.add_argument("--keep", help="write the generated documents into this folder")
    parser.add_argument("--show", type=int, default=3, help="examples to print per disagreement class")
    parser.add_argument(
        "--files",
        nargs="+",
        metavar="PATH",
        help="instead of generating, compare these existing JSON-LD / XML documents",
    )
    args = parser.parse_args()

    nguon = find_nguon(args.nguon)
    if args.files:
        return compare_files(nguon, args.files)
    g = Gen(args.seed)
    totals = collections.Counter()
    tag_events = collections.Counter()
    tag_disagree = collections.Counter()
    tag_alone = collections.Counter()
    by_kind = collections.Counter()
    classes = collections.Counter()
    examples = collections.defaultdict(list)
    unexplained = []
    workdir = args.keep or tempfile.mkdtemp(prefix="hash-differential-")
    os.makedirs(workdir, exist_ok=True)

    done = 0
    index = 0
    while done < args.events:
        n = min(args.per_document, args.events - done)
        doc, tags = document(g, n, index)
        path = os.path.join(workdir, f"doc{index:04}.jsonld")
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)
        theirs = reference_pre_hashes(doc)
        ours = nguon_pre_hashes(nguon, path, n)
        for i in range(n):
            kind = events_of(doc)[i]["type"]
            by_kind[kind] += 1
            totals["events"] += 1
            our = ours[i] if i < len(ours) else ("error", "missing line")
            their = theirs[i]
            for tag in tags[i]:
                tag_events[tag] += 1
            if not tags[i]:
                totals["untagged"] += 1
            if our[0] == "error":
                totals["nguon errors"] += 1
                unexplained.append((path, i, sorted(tags[i]), f"nguon: {our[1]}", their))
                continue
            if their is None:
                totals["reference raised"] += 1
                for tag in tags[i]:
                    tag_disagree[tag] += 1
                    if len(tags[i]) == 1:
                        tag_alone[tag] += 1
                key = " + ".join(sorted(tags[i])) or "(no tag)"
                classes[f"reference raised; tags: {key}"] += 1
                if not tags[i]:
                    unexplained.append((path, i, [], our[1], "reference raised"))
                continue
            if ni(their) == our[0]:
                totals["agree"] += 1
                if not tags[i]:
                    totals["untagged agree"] += 1
                if tags[i]:
                    totals["agree despite a tag"] += 1
                continue
            totals["disagree"] += 1
            for tag in tags[i]:
                tag_disagree[tag] += 1
                if len(tags[i]) == 1:
                    tag_alone[tag] += 1
            key = " + ".join(sorted(tags[i])) or "(no tag)"
            classes[key] += 1
            if len(examples[key]) < args.show:
                examples[key].append((path, i, our[1], their))
            if not tags[i]:
                unexplained.append((path, i, [], our[1], their))
        done += n
        index += 1

    print(f"reference: {REFERENCE}; nguon: {nguon}; seed {args.seed}; documents in {workdir}")
    print(f"events: {totals['events']} ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))})")
    agree = totals["agree"]
    print(f"agree: {agree} ({100.0 * agree / max(1, totals['events']):.2f} %), of which {totals['agree despite a tag']} carried a tag")
    print(f"disagree: {totals['disagree']}; reference raised: {totals['reference raised']}; nguon errors: {totals['nguon errors']}")
    print(f"events without any tag: {totals['untagged']}, of which agree: {totals['untagged agree']}")
    print("per tag: events carrying it / of those disagreeing or raising / disagreeing with only this tag")
    for tag, count in tag_events.most_common():
        print(f"  {tag:40} {count:6} {tag_disagree[tag]:6} {tag_alone[tag]:6}")
    print("disagreements by tag set:")
    for key, count in classes.most_common():
        print(f"  {count:6}  {key}")
    for key, cases in examples.items():
        print(f"\n== {key}")
        for path, i, our, their in cases:
            print(f"  {os.path.basename(path)} event {i}")
            print(f"    nguon:     {our}")
            print(f"    reference: {their}")
    print(f"\nunexplained (disagree or fail without a tag): {len(unexplained)}")
    for path, i, tags, our, their in unexplained[:20]:
        print(f"  {os.path.basename(path)} event {i} tags={tags}\n    nguon:     {our}\n    reference: {their}")
    return 0 if not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
