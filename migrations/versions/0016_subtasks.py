"""Sub-tasks (多级分解): a milestone split among its department's staff, their append-only
reports, and how a milestone's progress is kept (``progress_mode``).

Milestones already in the database keep being reported directly ('direct').

Revision ID: 0af2ab9129cf
Revises: 8a3f5c2e71b9
Create Date: 2026-11-30 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0af2ab9129cf'
down_revision = '8a3f5c2e71b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('milestone') as batch_op:
        batch_op.add_column(
            sa.Column('progress_mode', sa.String(length=16), server_default='direct', nullable=False)
        )
    op.create_table(
        'subtask',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('weight', sa.Double(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'progress >= 0 AND progress <= 100', name=op.f('ck_subtask_progress_range')
        ),
        sa.CheckConstraint('weight > 0', name=op.f('ck_subtask_weight_positive')),
        sa.ForeignKeyConstraint(
            ['assignee_id'], ['app_user.id'], name=op.f('fk_subtask_assignee_id_app_user')
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['app_user.id'], name=op.f('fk_subtask_created_by_id_app_user')
        ),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'], name=op.f('fk_subtask_department_id_department')
        ),
        sa.ForeignKeyConstraint(
            ['milestone_id'], ['milestone.id'], name=op.f('fk_subtask_milestone_id_milestone')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subtask')),
    )
    with op.batch_alter_table('subtask') as batch_op:
        batch_op.create_index(batch_op.f('ix_subtask_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(
            'ix_subtask_milestone_id_position', ['milestone_id', 'position'], unique=False
        )
    op.create_table(
        'subtask_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subtask_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['subtask_id'], ['subtask.id'], name=op.f('fk_subtask_update_subtask_id_subtask')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['app_user.id'], name=op.f('fk_subtask_update_user_id_app_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subtask_update')),
    )
    with op.batch_alter_table('subtask_update') as batch_op:
        batch_op.create_index(
            batch_op.f('ix_subtask_update_subtask_id'), ['subtask_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('subtask_update') as batch_op:
        batch_op.drop_index(batch_op.f('ix_subtask_update_subtask_id'))
    op.drop_table('subtask_update')
    with op.batch_alter_table('subtask') as batch_op:
        batch_op.drop_index('ix_subtask_milestone_id_position')
        batch_op.drop_index(batch_op.f('ix_subtask_assignee_id'))
    op.drop_table('subtask')
    with op.batch_alter_table('milestone') as batch_op:
        batch_op.drop_column('progress_mode')
