"""reference_figures: a program year's context figures (registered voters per alcaldía, voter credentials
delivered abroad per country), one value per year, kind and key

Revision ID: a3c5e7f9b1d2
Revises: f2b4d6e8a0c3
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3c5e7f9b1d2'
down_revision = 'f2b4d6e8a0c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reference_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2200', name=op.f('ck_reference_figure_year_range')),
    sa.CheckConstraint("kind IN ('lista_nominal_alcaldia', 'credenciales_extranjero_pais')",
                       name=op.f('ck_reference_figure_kind_known')),
    sa.CheckConstraint('length(key) > 0', name=op.f('ck_reference_figure_key_present')),
    sa.CheckConstraint('value >= 0 AND value <= 2000000000', name=op.f('ck_reference_figure_value_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_figure')),
    sa.UniqueConstraint('year', 'kind', 'key', name=op.f('uq_reference_figure_year_kind_key'))
    )


def downgrade():
    op.drop_table('reference_figure')
