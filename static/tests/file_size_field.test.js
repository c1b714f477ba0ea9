import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { describe, expect, test } from "@odoo/hoot";
import { queryAllTexts } from "@odoo/hoot-dom";
import { defineModels, fields, models, mountView } from "@web/../tests/web_test_helpers";
import { formatFileSize } from "@contact_documents/components/file_size_field/file_size_field";

describe.current.tags("desktop");
defineMailModels();

class Document extends models.Model {
    _name = "contact.document";
    name = fields.Char();
    file_size = fields.Integer();
    _records = [
        { id: 1, name: "tiny.txt", file_size: 1 },
        { id: 2, name: "note.pdf", file_size: 589 },
        { id: 3, name: "photo.png", file_size: 2867 },
        { id: 4, name: "scan.pdf", file_size: 30334 },
    ];
}
defineModels([Document]);

describe("file size field", () => {
    test("formats sizes with the rule of tools/sizes.py", () => {
        expect(formatFileSize(0)).toBe("0 bytes");
        expect(formatFileSize(1)).toBe("1 byte");
        expect(formatFileSize(1023)).toBe("1023 bytes");
        expect(formatFileSize(1024)).toBe("1.0 KB");
        expect(formatFileSize(10188)).toBe("9.9 KB");
        expect(formatFileSize(10189)).toBe("10 KB");
        expect(formatFileSize(1024 * 1024 - 1)).toBe("1.0 MB");
        expect(formatFileSize(250 * 1024 * 1024)).toBe("250 MB");
    });

    test("shows integer fields as file sizes in a list", async () => {
        await mountView({
            type: "list",
            resModel: "contact.document",
            arch: `<list><field name="name"/><field name="file_size" widget="contact_documents_file_size"/></list>`,
        });
        expect(queryAllTexts(".o_data_cell[name=file_size]")).toEqual(["1 byte", "589 bytes", "2.8 KB", "30 KB"]);
    });
});
