"""智能分办, 热点发现, 风险预警, 舆情简报 and 答复 over citizen messages (12345 / 网络问政).

``intake`` reads exports, ``service`` holds access rules, intake and dispatch, ``problems`` the
hot problems, ``alerts`` surges and new problems, ``briefing`` the 舆情简报, ``replies`` the
reply assistant. Each composes the analytics engine with storage, the audit trail and the
model gateway."""
