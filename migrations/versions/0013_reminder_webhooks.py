"""Group robots for reminders (WeCom, DingTalk, Feishu webhooks) and a record of every post.

A robot is for one department or for one plan (the check constraint holds exactly one).
Deleting a robot deletes its record of posts.

Written beside 0011-0013 (made in parallel): at merge, point down_revision at the newest of
them so the chain stays one line.

Revision ID: c4f1e8a92d07
Revises: 7d41c0b2e9a8
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4f1e8a92d07'
down_revision = '7d41c0b2e9a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            '(department_id IS NULL) <> (plan_id IS NULL)',
            name=op.f('ck_webhook_department_or_plan'),
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['app_user.id'], name=op.f('fk_webhook_created_by_id_app_user')
        ),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'], name=op.f('fk_webhook_department_id_department')
        ),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_webhook_plan_id_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook')),
    )
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_plan_id'), ['plan_id'], unique=False)

    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'],
            name=op.f('fk_webhook_delivery_department_id_department'),
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_webhook_delivery_plan_id_plan')
        ),
        sa.ForeignKeyConstraint(
            ['webhook_id'], ['webhook.id'],
            name=op.f('fk_webhook_delivery_webhook_id_webhook'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_webhook_id_at', ['webhook_id', 'at'], unique=False)


def downgrade():
    op.drop_table('webhook_delivery')
    op.drop_table('webhook')
