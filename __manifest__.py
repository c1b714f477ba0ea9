{
    'name': 'Contact Documents',
    'version': '19.0.1.1.0',
    'category': 'Sales/CRM',
    'summary': "A Documents tab on every contact: every file exchanged with it, filed and audited",
    'author': 'Contact Documents Team',
    'license': 'LGPL-3',
    'depends': ['contacts', 'mail', 'phone_validation', 'sms'],
    # olefile reads DOC and PPT files to check what they hold; phonenumbers lets
    # phone_validation find contacts by phone whatever the format they are stored in.
    'external_dependencies': {'python': ['olefile', 'phonenumbers']},
    'data': [
        'security/contact_documents_security.xml',
        'security/ir.model.access.csv',
        'security/contact_document_upload_security.xml',
        'data/ir_cron_data.xml',
        'views/contact_document_views.xml',
        'views/contact_document_log_views.xml',
        'views/res_partner_views.xml',
        'views/contact_document_media_views.xml',
        'views/res_config_settings_views.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'contact_documents/static/src/**/*',
        ],
        'web.assets_tests': [
            'contact_documents/static/tests/tours/**/*',
        ],
        'web.assets_unit_tests': [
            'contact_documents/static/tests/**/*.test.js',
        ],
    },
    'uninstall_hook': 'uninstall_hook',
    'installable': True,
    'application': False,
}
