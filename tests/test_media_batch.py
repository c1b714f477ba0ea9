import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import BaseCase, TransactionCase, tagged

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon, make_image
from odoo.addons.contact_documents.tools import safe_fetch
from odoo.addons.contact_documents.tools.channel_message import ChannelAttachment, ChannelMessage


@tagged('post_install', '-at_install')
class TestMediaBatch(ChannelSyncCommon, TransactionCase):
    """The cron downloads many media at once and files them in batches, each as if alone."""

    def message(self, index, psid, paths):
        return ChannelMessage(
            channel='facebook', direction='received', external_id=f'mid-batch-{index}', account=self.PAGE_ID,
            contact={'identity': psid}, provider='meta', identity_channel='facebook',
            attachments=[ChannelAttachment(index=position, url=self.media_url(path), kind='image')
                         for position, path in enumerate(paths)])

    def test_many_messages_from_several_senders_are_each_filed_once_with_their_chatter_line(self):
        pictures = {}
        for index in range(12):
            pictures[f'/media/batch/{index}.png'] = ('image/png', make_image('PNG', color=(index * 20, 40, 80)))
        self.media_server.files.update(pictures)
        paths = sorted(pictures)
        messages = [self.message(index, f'psid-batch-{index % 3}', paths[2 * index:2 * index + 2]) for index in range(6)]
        Media = self.env['contact.document.media'].sudo()
        Media._ingest_channel_messages(self.company, messages)
        Media._ingest_channel_messages(self.company, messages)  # delivered twice
        # Batches smaller than the queue: the next batch downloads while one is filed.
        Media.search([('state', '=', 'queued')]).next_attempt = datetime.now() - timedelta(seconds=1)
        Media._cron_fetch_media(batch_size=5)
        self.run_media_cron()
        media = Media.search([('external_message_id', 'like', 'mid-batch-%')])
        self.assertEqual(len(media), 12)
        self.assertEqual(set(media.mapped('state')), {'done'})
        documents = media.document_id
        self.assertEqual(len(documents), 12, "each file filed once, replays and reruns aside")
        for item in media:
            document = item.document_id
            self.assertEqual(document.attachment_id.raw, pictures[urlsplit(item.url).path][1])
            self.assertEqual(document.external_message_id, item.external_message_id)
            self.assertEqual(document.attachment_index, item.attachment_index)
            # Its own chatter line, on its contact, by the contact who sent it.
            self.assertEqual((document.message_id.model, document.message_id.res_id), ('res.partner', document.partner_id.id))
            self.assertEqual(document.message_id.author_id, document.partner_id)
            self.assertIn(document.name, document.message_id.body)
        self.assertEqual(len(documents.partner_id), 3, "one contact per sender, created once")
        self.assertEqual(len(documents.message_id), 12)

    def test_one_failing_file_does_not_hold_back_the_others_of_its_batch(self):
        self.media_server.failures['/media/photo.jpg'] = 1
        messages = [self.message(100, 'psid-mixed', ['/media/photo.png', '/media/photo.jpg', '/media/missing.png'])]
        Media = self.env['contact.document.media'].sudo()
        Media._ingest_channel_messages(self.company, messages)
        self.run_media_cron()
        media = Media.search([('external_message_id', '=', 'mid-batch-100')], order='attachment_index')
        self.assertEqual(media.mapped('state'), ['done', 'queued', 'failed'])
        self.assertEqual(media[0].document_id.attachment_id.raw, self.png)
        self.assertEqual(media[1].failure_kind, 'server_error')
        self.assertEqual(media[2].failure_kind, 'not_found')
        self.run_media_cron()
        self.assertEqual(media[1].state, 'done')
        self.assertEqual(media[1].document_id.attachment_id.raw, self.jpeg)


@tagged('post_install', '-at_install')
class TestDownloaderBounds(BaseCase):
    """Downloads run at once, never more than the bounds, each with every check of fetch_to_file."""

    def test_at_most_per_host_downloads_at_once_to_one_host(self):
        running, peak, lock = {}, {}, threading.Lock()

        def fake_fetch(url, fileobj, **options):
            host = url.split('/')[2]
            with lock:
                running[host] = running.get(host, 0) + 1
                peak[host] = max(peak.get(host, 0), running[host])
            time.sleep(0.05)
            fileobj.write(b'x')
            with lock:
                running[host] -= 1
            if 'refused' in url:
                raise safe_fetch.FetchError("host refused.example is not an allowed media host")
            return safe_fetch.FetchedMedia(url=url, content_type='image/png', size=1, head=b'x')

        downloads = [safe_fetch.Download(f'https://{host}/{index}') for host in ('a.example', 'b.example')
                     for index in range(6)] + [safe_fetch.Download('https://refused.example/1')]
        with patch.object(safe_fetch, 'fetch_to_file', fake_fetch):
            safe_fetch.fetch_all(downloads, max_parallel=6, per_host=2)
        try:
            self.assertEqual(peak['a.example'], 2)
            self.assertEqual(peak['b.example'], 2)
            self.assertTrue(all(download.fetched for download in downloads[:-1]))
            self.assertIn('not an allowed media host', downloads[-1].error.reason)
            downloads[0].file.seek(0)
            self.assertEqual(downloads[0].file.read(), b'x')
        finally:
            safe_fetch.close_all(downloads)
        self.assertTrue(all(download.file is None for download in downloads))
