"""辅助审批, 辅助办理, 流程优化: the service catalogue, pre-checks, decisions, notices and
the process log over applications."""
