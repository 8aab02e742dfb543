"""Indexes that keep the board's reads short however long the history grows.

The board's "recently approved" reads a plan's approved reports newest first; each
milestone's last activity is read from an index alone, and one field's rows (the first due
date, the "created" rows) from another.

Revision ID: 9c3d7a1e5b42
Revises: 5b7e1c2d9f30
Create Date: 2026-11-30 06:30:00

"""
from alembic import op


revision = '9c3d7a1e5b42'
down_revision = '5b7e1c2d9f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(
            'ix_report_plan_id_state_reviewed_at', ['plan_id', 'state', 'reviewed_at'],
            unique=False,
        )
    with op.batch_alter_table('plan_update', schema=None) as batch_op:
        batch_op.create_index(
            'ix_plan_update_plan_id_milestone_id_effective_on',
            ['plan_id', 'milestone_id', 'effective_on'],
            unique=False,
        )
        batch_op.create_index(
            'ix_plan_update_plan_id_field_milestone_id',
            ['plan_id', 'field', 'milestone_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('plan_update', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_update_plan_id_field_milestone_id')
        batch_op.drop_index('ix_plan_update_plan_id_milestone_id_effective_on')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_plan_id_state_reviewed_at')
