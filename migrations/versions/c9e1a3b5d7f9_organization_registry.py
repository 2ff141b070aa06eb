"""Organization registry: the institute's type codes (gubernamental, academica, ..., medios, area_interna,
sin_clasificar) and scopes (local, nacional, internacional; unknown allowed), e-mail and phone, and the
relation history (organization_relation: one row per period, alta = began_on, baja = ended_on)

Existing rows keep their meaning (government -> gubernamental, national -> nacional...); each existing
organization gets one open period beginning on its creation's local date.

Revision ID: c9e1a3b5d7f9
Revises: b8d0f2a4c6e8
Create Date: 2026-12-05 12:00:00

"""
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = 'c9e1a3b5d7f9'
down_revision = 'b8d0f2a4c6e8'
branch_labels = None
depends_on = None

OLD_TYPES = ('government', 'academic', 'electoral', 'international', 'civil_society', 'private')
NEW_TYPES = ('gubernamental', 'academica', 'electoral', 'internacional', 'sociedad_civil', 'privada', 'medios',
             'area_interna', 'sin_clasificar')
TYPE_MAP = {'government': 'gubernamental', 'academic': 'academica', 'international': 'internacional',
            'civil_society': 'sociedad_civil', 'private': 'privada'}
# back: what the old catalog cannot say becomes its nearest old code
TYPE_BACK = {**{new: old for old, new in TYPE_MAP.items()}, 'medios': 'private', 'area_interna': 'government',
             'sin_clasificar': 'government'}


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _recode(column, mapping):
    for old, new in mapping.items():
        op.execute(sa.text(f"UPDATE organization SET {column} = :new WHERE {column} = :old")  # noqa: S608
                   .bindparams(new=new, old=old))


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organization_type_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_organization_scope_known'), type_='check')
        batch_op.alter_column('scope', existing_type=sa.String(length=20), nullable=True)
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
    _recode('type', TYPE_MAP)
    _recode('scope', {'national': 'nacional', 'international': 'internacional'})
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), server_default=None)
        batch_op.create_check_constraint(op.f('ck_organization_type_known'), _in('type', NEW_TYPES))
        batch_op.create_check_constraint(op.f('ck_organization_scope_known'),
                                         _in('scope', ('local', 'nacional', 'internacional')) + ' OR scope IS NULL')
        batch_op.create_check_constraint(op.f('ck_organization_country_alpha2'), 'length(country) = 2')
        batch_op.create_index(batch_op.f('ix_organization_type'), ['type'], unique=False)

    relation = op.create_table('organization_relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('began_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.CheckConstraint('ended_on IS NULL OR ended_on > began_on',
                       name=op.f('ck_organization_relation_ends_after_it_begins')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                            name=op.f('fk_organization_relation_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_relation')),
    sa.UniqueConstraint('organization_id', 'began_on', name=op.f('uq_organization_relation_organization_id_began_on'))
    )
    with op.batch_alter_table('organization_relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_relation_began_on'), ['began_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_relation_organization_id'), ['organization_id'],
                              unique=False)

    # every recorded organization is related from its creation's local date
    zone = ZoneInfo(os.environ.get('CRM_TIMEZONE') or 'America/Mexico_City')
    rows = op.get_bind().execute(sa.text('SELECT id, created_at FROM organization')).all()
    periods = []
    for org_id, created_at in rows:
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        periods.append({'organization_id': org_id,
                        'began_on': created_at.replace(tzinfo=UTC).astimezone(zone).date()})
    if periods:
        op.bulk_insert(relation, periods)


def downgrade():
    with op.batch_alter_table('organization_relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_relation_organization_id'))
        batch_op.drop_index(batch_op.f('ix_organization_relation_began_on'))
    op.drop_table('organization_relation')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_type'))
        batch_op.drop_constraint(op.f('ck_organization_country_alpha2'), type_='check')
        batch_op.drop_constraint(op.f('ck_organization_type_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_organization_scope_known'), type_='check')
    _recode('type', TYPE_BACK)
    _recode('scope', {'nacional': 'national', 'internacional': 'international'})
    op.execute(sa.text("UPDATE organization SET scope = 'national' WHERE scope IS NULL"))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('email')
        batch_op.alter_column('scope', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(op.f('ck_organization_type_known'), _in('type', OLD_TYPES))
        batch_op.create_check_constraint(op.f('ck_organization_scope_known'),
                                         _in('scope', ('local', 'national', 'international')))
