#!/usr/bin/env python3
"""What the Android Gradle Plugin does for a library AAR, done for the JVM.

    aars.py AARS_DIR CLASSES_DIR

AARS_DIR holds the AARs (copied there by maven-dependency-plugin). Each
one's classes.jar is unzipped into CLASSES_DIR,
and each R.txt becomes that library's R class there: in a real build the
app's resource linking assigns the ids and writes R classes the libraries'
bytecode reads (R.id.view_tree_lifecycle_owner, …). Here every resource gets
a distinct id of the app's package (0x7f); the resources themselves are not
packaged (see android/README.md).
"""
import io
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

aars, classes = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
classes.mkdir(parents=True, exist_ok=True)

TYPES = ["anim", "animator", "array", "attr", "bool", "color", "dimen", "drawable", "font", "fraction", "id",
         "integer", "interpolator", "layout", "menu", "mipmap", "plurals", "raw", "string", "style", "styleable",
         "transition", "xml"]

# Non-namespaced, as the Android Gradle Plugin does by default: one set of
# resources (every library's R.txt together), one id each, and every
# library package's R class carries all of them.
resources = {}
packages = set()
# The libraries' default (English) strings by name; see strings.properties below.
strings = {}


def unescape(text: str) -> str:
    """Android's string escapes, as aapt2 resolves them."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)

count = 0
for aar in sorted(aars.glob("*.aar")):
    count += 1
    with zipfile.ZipFile(aar) as outer:
        names = set(outer.namelist())
        if "classes.jar" in names:
            with zipfile.ZipFile(io.BytesIO(outer.read("classes.jar"))) as z:
                z.extractall(classes)
                for n in z.namelist():
                    if n.endswith(".class"):
                        packages.update(m.decode() for m in re.findall(rb"([a-zA-Z0-9_/]+)/R\$[a-z]+", z.read(n)))
        if "res/values/values.xml" in names:
            for element in ET.fromstring(outer.read("res/values/values.xml")).iter("string"):
                strings[element.get("name")] = unescape("".join(element.itertext()))
        r_txt = outer.read("R.txt").decode() if "R.txt" in names else ""
        for line in r_txt.splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4:
                kind, rtype, name, value = parts
                resources.setdefault(rtype, {})[name] = (kind, value)

lines = []
string_ids = {}
for rtype in sorted(resources):
    lines.append(f"  public static final class {rtype} {{")
    for n, (name, (kind, value)) in enumerate(sorted(resources[rtype].items()), start=1):
        if kind == "int[]":
            # A styleable's attrs: their ids as the attr class numbers them would do; order kept.
            size = value.count(",") + 1 if value.strip("{} ") else 0
            ids = ", ".join(str(0x7F000000 | (TYPES.index("attr") + 1) << 16 | (0xF000 + i)) for i in range(size))
            lines.append(f"    public static int[] {name} = {{ {ids} }};")
        elif rtype == "styleable":
            lines.append(f"    public static int {name} = {int(value, 0)};")
        else:
            type_index = TYPES.index(rtype) + 1 if rtype in TYPES else len(TYPES) + 1
            rid = 0x7F000000 | (type_index << 16) | n
            lines.append(f"    public static int {name} = {rid};")
            if rtype == "string" and name in strings:
                string_ids[rid] = strings[name]
    lines.append("  }")

src_dir = pathlib.Path(tempfile.mkdtemp(prefix="aar-r-"))
sources = []
for package in sorted(packages):
    if (classes / package / "R.class").exists() or package.startswith("android/"):
        continue
    out = src_dir / package / "R.java"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"package {package.replace('/', '.')};\npublic final class R {{\n" + "\n".join(lines) + "\n}\n")
    sources.append(str(out))

# No aapt2 here, so no resources.arsc for Robolectric's binary resources: the
# UI tests serve these strings to Compose through a Resources wrapper.
with open(classes / "aar-strings.properties", "w", encoding="utf-8") as out:
    for rid, text in sorted(string_ids.items()):
        escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
        out.write(f"{rid}={escaped}\n")

if sources:
    subprocess.run(["javac", "-nowarn", "-d", str(classes), *sources], check=True)
print(f"aars.py: {count} AARs unpacked, {len(sources)} R classes written")
