"""Sign-in through the organisation's directory: where each account comes from, the mapping
of directory groups to roles, and the site's sign-in settings.

Accounts that exist are local: their passwords stay checked here.

Revision ID: 7d41c9e0b2f6
Revises: 15345e1afca5
Create Date: 2026-11-30 19:40:00

"""

from alembic import op
import sqlalchemy as sa


revision = "7d41c9e0b2f6"
down_revision = "15345e1afca5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), server_default="local", nullable=False)
        )
        batch_op.add_column(sa.Column("external_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("directory_groups", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_index("ix_app_user_external_id", ["external_id"], unique=False)
    op.create_table(
        "directory_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name="fk_directory_mapping_department_id_department"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_mapping"),
        sa.UniqueConstraint("group", name="uq_directory_mapping_group"),
    )
    op.create_table(
        "site_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_site_setting"),
    )


def downgrade():
    op.drop_table("site_setting")
    op.drop_table("directory_mapping")
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.drop_index("ix_app_user_external_id")
        batch_op.drop_column("directory_groups")
        batch_op.drop_column("email")
        batch_op.drop_column("external_id")
        batch_op.drop_column("source")
