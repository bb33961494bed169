"""The workflow node types, built into a registry from an explicit tuple."""

from __future__ import annotations

from metadata.registry import Registry
from runtime.workflows.nodes.actions import (
    AssignNode,
    CallWebhookNode,
    CreateRecordNode,
    SendMessageNode,
    SubWorkflowNode,
    UpdateRecordNode,
)
from runtime.workflows.nodes.base import NodeType
from runtime.workflows.nodes.flow import (
    ConditionNode,
    EndNode,
    ParallelJoinNode,
    ParallelSplitNode,
    TriggerNode,
)
from runtime.workflows.nodes.human import ApprovalNode, TaskNode
from runtime.workflows.nodes.wait import WaitNode

NODE_TYPES: tuple[type[NodeType], ...] = (
    TriggerNode, ApprovalNode, TaskNode, ConditionNode, ParallelSplitNode, ParallelJoinNode,
    WaitNode, UpdateRecordNode, CreateRecordNode, AssignNode, SendMessageNode,
    CallWebhookNode, SubWorkflowNode, EndNode)


def build_node_registry(types: tuple[type[NodeType], ...] = NODE_TYPES) -> Registry[NodeType]:
    return Registry("workflow node", types)
