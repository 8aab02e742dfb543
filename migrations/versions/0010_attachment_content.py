"""Evidence files' bytes in the database, so every app machine serves every file.

Files uploaded before stay under ``instance/attachments/`` until ``flask attachments move``
copies them into the configured storage (this table, or ``TRACKER_ATTACHMENTS_DIR``).

Revision ID: 3a271aded53b
Revises: 9c3d7a1e5b42
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3a271aded53b'
down_revision = '9c3d7a1e5b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attachment_content',
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['stored_name'], ['attachment.stored_name'],
            name=op.f('fk_attachment_content_stored_name_attachment'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('stored_name', name=op.f('pk_attachment_content')),
    )


def downgrade():
    op.drop_table('attachment_content')
