{
    'name': 'Contact Documents',
    'version': '19.0.1.2.0',
    'category': 'Sales/CRM',
    'summary': "A Documents tab on every contact: every file exchanged with it, filed and audited",
    'author': 'Contact Documents Team',
    'license': 'LGPL-3',
    'depends': ['contacts', 'mail', 'phone_validation', 'portal', 'sms'],
    # olefile reads DOC and PPT files to check what they hold; phonenumbers lets
    # phone_validation find contacts by phone whatever the format they are stored in.
    'external_dependencies': {'python': ['olefile', 'phonenumbers']},
    'data': [
        'security/contact_documents_security.xml',
        'security/ir.model.access.csv',
        'security/contact_document_upload_security.xml',
        'security/contact_document_request_security.xml',
        'data/ir_cron_data.xml',
        'data/mail_template_data.xml',
        'views/contact_document_views.xml',
        'views/contact_document_log_views.xml',
        'views/res_partner_views.xml',
        'views/contact_document_media_views.xml',
        'views/res_config_settings_views.xml',
        'views/contact_document_portal_templates.xml',
        'views/contact_document_request_views.xml',
        'views/contact_document_request_templates.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'contact_documents/static/src/**/*',
            # The customer portal's own script and style (web.assets_frontend below).
            ('remove', 'contact_documents/static/src/portal/**/*'),
        ],
        # My Documents on the customer portal: its upload area, with the back end's chunked
        # upload, file checks and size format (plain modules, no web client component).
        'web.assets_frontend': [
            'contact_documents/static/src/services/sha256.js',
            'contact_documents/static/src/services/file_size.js',
            'contact_documents/static/src/services/chunked_upload.js',
            'contact_documents/static/src/components/add_documents_dialog/file_checks.js',
            'contact_documents/static/src/portal/**/*',
        ],
        'web.assets_tests': [
            'contact_documents/static/tests/tours/**/*',
        ],
        'web.assets_unit_tests': [
            'contact_documents/static/tests/**/*.test.js',
        ],
        # The portal's upload area, for its hoot test (static/tests/portal_upload.test.js).
        'web.assets_unit_tests_setup': [
            'contact_documents/static/src/portal/**/*.js',
        ],
    },
    'uninstall_hook': 'uninstall_hook',
}
