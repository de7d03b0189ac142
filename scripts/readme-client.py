#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""readme-client.py README OUTDIR - the README's client example, verbatim,
as a module in OUTDIR (client.c and a Kbuild as the README writes it), so
that `make check-uml` loads exactly what a user copies (make run CLIENT=).

The example's first code block under "## A client module" is file-scope
code followed by an indented body ("In process context, ..."); the body
becomes the module's init, which returns 0.
"""
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: readme-client.py README OUTDIR")
    readme, out = sys.argv[1], sys.argv[2]
    text = open(readme, encoding="utf-8").read()
    start = text.index("## A client module")
    start = text.index("```c\n", start) + len("```c\n")
    code = text[start:text.index("```", start)]
    marker = "\t/* In process context"
    if marker not in code:
        sys.exit("readme-client.py: the example has no '%s' body" % marker.strip())
    head, body = code.split(marker, 1)
    include = os.path.join(os.path.dirname(os.path.abspath(readme)), "include")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "client.c"), "w", encoding="utf-8") as f:
        f.write("// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n")
        f.write(head.rstrip() + "\n\nstatic int __init client_init(void)\n{\n")
        f.write(marker + body + "\treturn 0;\n}\n\n")
        f.write("static void __exit client_exit(void)\n{\n}\n\n")
        f.write("module_init(client_init);\nmodule_exit(client_exit);\n")
        f.write('MODULE_LICENSE("GPL");\n')
    with open(os.path.join(out, "Kbuild"), "w", encoding="utf-8") as f:
        f.write("obj-m := client.o\nccflags-y := -I%s\n" % include)


if __name__ == "__main__":
    main()
