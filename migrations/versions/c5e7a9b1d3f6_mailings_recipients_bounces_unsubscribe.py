"""mailings (issue 16): a mailing and one row per recipient with its delivery state, the addresses that
bounce for good, and each person's random unsubscribe token

Revision ID: c5e7a9b1d3f6
Revises: b4d6f8a0c2e4
Create Date: 2026-12-05 01:03:03.971206

"""
from alembic import op
import sqlalchemy as sa

revision = 'c5e7a9b1d3f6'
down_revision = 'b4d6f8a0c2e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_bounce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_key', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('diagnostic', sa.Text(), nullable=False),
    sa.Column('bounced_at', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_bounce')),
    sa.UniqueConstraint('address_key', name=op.f('uq_email_bounce_address_key'))
    )
    op.create_table('unsubscribe_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_unsubscribe_token_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unsubscribe_token')),
    sa.UniqueConstraint('person_id', name=op.f('uq_unsubscribe_token_person_id')),
    sa.UniqueConstraint('token', name=op.f('uq_unsubscribe_token_token'))
    )
    op.create_table('mailing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=250), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('subject_en', sa.String(length=250), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('action_line_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sending', 'done', 'failed')", name=op.f('ck_mailing_status_known')),
    sa.ForeignKeyConstraint(['action_line_id'], ['action_line.id'], name=op.f('fk_mailing_action_line_id_action_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_mailing_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing'))
    )
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_action_line_id'), ['action_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_sent_on'), ['sent_on'], unique=False)

    op.create_table('mailing_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailing_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('address_key', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'skipped')", name=op.f('ck_mailing_recipient_state_known')),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id'], name=op.f('fk_mailing_recipient_mailing_id_mailing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_mailing_recipient_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_recipient')),
    sa.UniqueConstraint('mailing_id', 'person_id', name=op.f('uq_mailing_recipient_mailing_id_person_id'))
    )
    with op.batch_alter_table('mailing_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_recipient_address_key'), ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_recipient_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_mailing_recipient_state', ['mailing_id', 'state'], unique=False)



def downgrade():
    with op.batch_alter_table('mailing_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_mailing_recipient_state')
        batch_op.drop_index(batch_op.f('ix_mailing_recipient_person_id'))
        batch_op.drop_index(batch_op.f('ix_mailing_recipient_address_key'))

    op.drop_table('mailing_recipient')
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_sent_on'))
        batch_op.drop_index(batch_op.f('ix_mailing_action_line_id'))

    op.drop_table('mailing')
    op.drop_table('unsubscribe_token')
    op.drop_table('email_bounce')
