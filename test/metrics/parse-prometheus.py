# Parses Prometheus text exposition from stdin with prometheus_client's own parser (the
# reference Python client: text_string_to_metric_families) and prints what it read as JSON:
# [{"name", "type", "documentation", "samples": [{"name", "labels", "value"}]}]. A line the
# parser refuses is an exception: exit 1 with its message on stderr.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
out = []
for family in text_string_to_metric_families(text):
    out.append({
        "name": family.name,
        "type": family.type,
        "documentation": family.documentation,
        "samples": [
            {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)}
            for s in family.samples
        ],
    })
json.dump(out, sys.stdout)
