"""agreements (convenios): agreement, its counterpart organizations and its dated, attributed transitions

Revision ID: d0f2b4c6e8a1
Revises: c9e1a3b5d7f9
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd0f2b4c6e8a1'
down_revision = 'c9e1a3b5d7f9'
branch_labels = None
depends_on = None

STATES = "('en_negociacion', 'en_dictamen', 'dictaminado', 'firmado', 'concluido', 'cancelado')"
TYPES = ("('convenio_general', 'convenio_especifico', 'programa_trabajo', 'carta_intencion', "
         "'acuerdo_colaboracion', 'otro')")


def upgrade():
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('folio', sa.String(length=80), nullable=False),
    sa.Column('folio_key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('responsible_area', sa.String(length=200), nullable=False),
    sa.Column('opinion_on', sa.Date(), nullable=True),
    sa.Column('opinion_line_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signing_line_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('document_key', sa.String(length=64), nullable=True),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(f"state IN {STATES}", name=op.f('ck_agreement_state_known')),
    sa.CheckConstraint(f"type IN {TYPES} OR type IS NULL", name=op.f('ck_agreement_type_known')),
    sa.CheckConstraint("state NOT IN ('firmado', 'concluido') OR signed_on IS NOT NULL",
                       name=op.f('ck_agreement_signed_when_signed')),
    sa.CheckConstraint('valid_until IS NULL OR signed_on IS NULL OR valid_until >= signed_on',
                       name=op.f('ck_agreement_valid_after_signing')),
    sa.CheckConstraint('opinion_line_id IS NULL OR opinion_on IS NOT NULL',
                       name=op.f('ck_agreement_opinion_line_dated')),
    sa.CheckConstraint('signing_line_id IS NULL OR signed_on IS NOT NULL',
                       name=op.f('ck_agreement_signing_line_dated')),
    sa.ForeignKeyConstraint(['opinion_line_id'], ['action_line.id'],
                            name=op.f('fk_agreement_opinion_line_id_action_line')),
    sa.ForeignKeyConstraint(['signing_line_id'], ['action_line.id'],
                            name=op.f('fk_agreement_signing_line_id_action_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('folio_key', name=op.f('uq_agreement_folio_key'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        for column in ('state', 'opinion_on', 'opinion_line_id', 'signed_on', 'signing_line_id', 'valid_until'):
            batch_op.create_index(batch_op.f(f'ix_agreement_{column}'), [column], unique=False)

    op.create_table('agreement_organization',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'],
                            name=op.f('fk_agreement_organization_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                            name=op.f('fk_agreement_organization_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'organization_id', name=op.f('pk_agreement_organization'))
    )
    with op.batch_alter_table('agreement_organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_organization_organization_id'), ['organization_id'],
                              unique=False)

    op.create_table('agreement_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(f"from_state IN {STATES} OR from_state IS NULL",
                       name=op.f('ck_agreement_transition_from_known')),
    sa.CheckConstraint(f"to_state IN {STATES}", name=op.f('ck_agreement_transition_to_known')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'],
                            name=op.f('fk_agreement_transition_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                            name=op.f('fk_agreement_transition_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_transition'))
    )
    with op.batch_alter_table('agreement_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_transition_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_transition_actor_id'), ['actor_id'], unique=False)


def downgrade():
    op.drop_table('agreement_transition')
    op.drop_table('agreement_organization')
    op.drop_table('agreement')
