"""saved filters of people, usable as mailing segments (issue 16)

Revision ID: a0b2c4d6e8f1
Revises: f9a1b3c5d7e9
Create Date: 2026-12-05 03:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'a0b2c4d6e8f1'
down_revision = 'f9a1b3c5d7e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_people_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_key', sa.String(length=80), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("name <> '' AND name_key <> ''", name=op.f('ck_saved_people_filter_name_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_saved_people_filter_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_people_filter')),
    sa.UniqueConstraint('name_key', name=op.f('uq_saved_people_filter_name_key'))
    )


def downgrade():
    op.drop_table('saved_people_filter')
