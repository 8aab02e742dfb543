"""Receipts (签收): each assignment of a milestone to a department and the department's answer.

Milestones already in the database get no row: they were assigned before receipts were kept.

Revision ID: 5b8e2d71c4a0
Revises: c4f1e8a92d07
Create Date: 2026-11-30 16:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b8e2d71c4a0'
down_revision = 'c4f1e8a92d07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receipt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('responsible', sa.String(length=120), nullable=False),
        sa.Column('work_plan', sa.Text(), nullable=False),
        sa.Column('decline_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['answered_by_id'], ['app_user.id'], name=op.f('fk_receipt_answered_by_id_app_user')
        ),
        sa.ForeignKeyConstraint(
            ['assigned_by_id'], ['app_user.id'], name=op.f('fk_receipt_assigned_by_id_app_user')
        ),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'], name=op.f('fk_receipt_department_id_department')
        ),
        sa.ForeignKeyConstraint(
            ['milestone_id'], ['milestone.id'], name=op.f('fk_receipt_milestone_id_milestone')
        ),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_receipt_plan_id_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt')),
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(
            'ix_receipt_department_id_state', ['department_id', 'state'], unique=False
        )
        batch_op.create_index(
            'uq_receipt_pending_milestone',
            ['milestone_id'],
            unique=True,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index('uq_receipt_pending_milestone')
        batch_op.drop_index('ix_receipt_department_id_state')
        batch_op.drop_index(batch_op.f('ix_receipt_plan_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_milestone_id'))
    op.drop_table('receipt')
